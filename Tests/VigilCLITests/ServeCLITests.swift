import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// `vigil serve` as a real process under load from a second process on loopback, with misbehaving clients
/// alongside (oversized head, bad JSON, wrong token, chunked body, garbage, slowloris).
@Suite(.serialized) struct ServeCLITests {
  static let token = "serve-test-token-0123456789"
  // The ingest function gets 30 s (the load client's own wait), not SCF's default 3 s: this test is about every
  // report being recorded and answered on a machine whose every core is kept busy, where a report can queue
  // behind others for seconds; latency is bench/serve-heartbeats' to measure.
  static let serverless = """
    service: serve-test
    functions:
      heartbeat-ingest:
        handler: heartbeat-ingest
        timeout: 30
        events:
          - apigw:
              parameters:
                endpoints:
                  - {path: '/heartbeat/{host}', method: POST}
      echo-fn:
        handler: echo
        events:
          - apigw:
              parameters:
                endpoints:
                  - {path: /echo, method: ANY}
    """

  func load(hosts: Int, perHost: Int, abuse: Bool) async throws -> [String: Any] {
    let project = try makeProject(
      Self.serverless, files: ["functions/heartbeat-ingest/config.yml": "token: \(Self.token)\n"])
    let state = NSTemporaryDirectory() + "vigil-serve-state-\(UUID().uuidString)"
    let output = try await runToEnd(
      [
        "python3", RepositoryPaths.root + "/Tests/Support/tools/serve_load.py",
        RepositoryPaths.products + "/vigil",
        project, state, Self.token, String(hosts), String(perHost),
      ] + (abuse ? ["--abuse"] : []))
    let json = try JSONSerialization.jsonObject(with: output) as? [String: Any]
    return try #require(json, "serve_load.py printed: \(String(decoding: output, as: UTF8.self))")
  }

  @Test func twentyThousandHeartbeatsFromTwoHundredHostsAreAllRecordedAndAbuseHarmsNoOne() async throws {
    let result = try await load(hosts: 200, perHost: 100, abuse: true)
    #expect(result["statuses"] as? [String: Int] == ["200": 20000], "\(result)")
    #expect(result["recorded"] as? Int == 20000, "\(result)")
    #expect(result["hosts_recorded"] as? Int == 200, "\(result)")
    let abuse = try #require(result["abuse"] as? [String: Any])
    #expect(abuse["oversized-header"] as? String == "431")
    #expect(abuse["bad-json"] as? String == "400")
    #expect(abuse["wrong-token"] as? String == "401")
    #expect(abuse["chunked"] as? String == "411")
    #expect(abuse["garbage"] as? String == "400")
    #expect(abuse["slowloris"] as? String == "408", "\(abuse)")
    #expect((abuse["slowloris-cut-after-s"] as? Double ?? 99) < 5)
    #expect(result["exit"] as? Int == 0)
    #expect(result["stopped"] as? Bool == true)
  }
}

/// `--report-to`: host-resources pushes its sample as a heartbeat.
@Suite struct ReportToCLITests {
  @Test func hostResourcesReportsItsSampleWithTheToken() async throws {
    let project = try makeProject(
      "functions:\n  host-resources:\n    handler: host-resources\n",
      files: ["functions/host-resources/config.yml": "host: web-77\nsampleInterval: 0.1s\ncpu: {over: 100}\n"]
    )
    let base = try await WebhookTestPeer.base()
    let run = try await vigil(
      ["invoke", "host-resources", "--report-to", "\(base)/hook/ok/heartbeat/"], in: project,
      environment: ["HEARTBEAT_TOKEN": "report-token-123456"])
    #expect(run.status == 0, "\(run.stderr)")
    let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
    #expect(result?["reported"] as? String == "ok", "\(run.stdout)")
    let received = try await WebhookTestPeer.requests(prefix: "/hook/ok/heartbeat/web-77")
    let request = try #require(received.last)
    let headers = request["headers"] as? [String: String] ?? [:]
    #expect(headers.first { $0.key.lowercased() == "authorization" }?.value == "Bearer report-token-123456")
    let body =
      try JSONSerialization.jsonObject(with: Data((request["body"] as? String ?? "").utf8)) as? [String: Any]
    #expect(try #require(body?["memoryTotalMB"] as? Double, "\(request)") > 0)
    // The token never reaches the log.
    #expect(!run.stderr.contains("report-token-123456"))
    let bad = try await vigil(["invoke", "host-resources", "--report-to", "ftp://x"], in: project)
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("--report-to must be an http(s) URL"))
  }
}

/// `vigil serve` reads the project once and reloads it when its files change or on SIGHUP; a reload that
/// fails keeps the previous project serving and logs why.
@Suite struct ServeReloadCLITests {
  static let oldToken = "reload-test-token-old-0123"
  static let newToken = "reload-test-token-new-4567"

  /// POSTs a heartbeat for `host` with `token`; the status.
  static func beat(_ base: String, host: String, token: String) async throws -> Int {
    var request = URLRequest(url: try #require(URL(string: "\(base)/heartbeat/\(host)")), timeoutInterval: 30)
    request.httpMethod = "POST"
    request.httpBody = Data("{\"cpu\": 1}".utf8)
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    let (_, response) = try await URLSession.shared.data(for: request)
    return try #require(response as? HTTPURLResponse).statusCode
  }

  /// The log records whose message starts with `prefix`, waiting (at most 30 s) until there are `count`.
  static func records(
    _ serve: ScheduleProcess, startingWith prefix: String, count: Int = 1
  ) async -> [[String: Any]] {
    let deadline = Date().addingTimeInterval(30)
    while true {
      let found = serve.records.filter { ($0["msg"] as? String)?.hasPrefix(prefix) == true }
      if found.count >= count || Date() > deadline { return found }
      try? await Task.sleep(nanoseconds: 10_000_000)
    }
  }

  @Test func aChangedConfigIsServedABrokenOneIsRefusedAndSIGHUPReloads() async throws {
    let config = "functions/heartbeat-ingest/config.yml"
    let project = try makeProject(
      ServeCLITests.serverless, files: [config: "token: \(Self.oldToken)\n"])
    let serve = try ScheduleProcess(
      arguments: ["serve", "--port", "0", "--state", project + "/state"], in: project)
    defer { serve.process.terminate() }
    #expect(await serve.waitFor("listening"), "\(serve.messages)")
    let base = try #require(
      serve.records.first { $0["msg"] as? String == "listening" }?["address"] as? String)
    #expect(try await Self.beat(base, host: "web-1", token: Self.oldToken) == 200)

    // A new token in the function's file: served without a restart, the old one refused.
    try "token: \(Self.newToken)\n".write(toFile: project + "/" + config, atomically: true, encoding: .utf8)
    let reloaded = await Self.records(serve, startingWith: "reloaded the project")
    #expect(reloaded.first?["cause"] as? String == "files changed", "\(serve.messages)")
    #expect(try await Self.beat(base, host: "web-1", token: Self.newToken) == 200)
    #expect(try await Self.beat(base, host: "web-1", token: Self.oldToken) == 401)

    // A file that does not parse: refused with its place, the previous project still answers.
    try "token: [unclosed\n".write(toFile: project + "/" + config, atomically: true, encoding: .utf8)
    let refused = await Self.records(serve, startingWith: "reload failed; still serving the previous project")
    let message = try #require(refused.first?["msg"] as? String, "\(serve.messages)")
    #expect(message.contains("\(config):1:"), "\(message)")
    #expect(refused.first?["level"] as? String == "error")
    #expect(try await Self.beat(base, host: "web-1", token: Self.newToken) == 200)

    // serverless.yml left with no endpoint: refused too (nothing would answer).
    try "service: serve-test\nfunctions:\n  heartbeat-ingest:\n    handler: heartbeat-ingest\n".write(
      toFile: project + "/serverless.yml", atomically: true, encoding: .utf8)
    let emptied = await Self.records(
      serve, startingWith: "reload failed; still serving the previous project", count: 2)
    #expect(
      (emptied.last?["msg"] as? String)?.hasSuffix("has an apigw endpoint") == true, "\(serve.messages)")
    #expect(try await Self.beat(base, host: "web-1", token: Self.newToken) == 200)

    // Both files good again, then SIGHUP: one reload for the change, one for the signal; the server lives on.
    try ServeCLITests.serverless.write(toFile: project + "/serverless.yml", atomically: true, encoding: .utf8)
    try "token: \(Self.oldToken)\n".write(toFile: project + "/" + config, atomically: true, encoding: .utf8)
    _ = await Self.records(serve, startingWith: "reloaded the project", count: 2)
    kill(serve.process.processIdentifier, SIGHUP)
    let all = await Self.records(serve, startingWith: "reloaded the project", count: 3)
    #expect(all.map { $0["cause"] as? String } == ["files changed", "files changed", "SIGHUP"], "\(all)")
    #expect(try await Self.beat(base, host: "web-1", token: Self.oldToken) == 200)
    serve.process.terminate()
    #expect(await serve.finish() == 0)
  }
}
