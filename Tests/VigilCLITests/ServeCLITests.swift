import Foundation
import TestSupport
import Testing

/// `vigil serve` as a real process under load from a second process on loopback, with misbehaving clients
/// alongside (oversized head, bad JSON, wrong token, chunked body, garbage, slowloris).
@Suite(.serialized) struct ServeCLITests {
  static let token = "serve-test-token-0123456789"
  static let serverless = """
    service: serve-test
    functions:
      heartbeat-ingest:
        handler: heartbeat-ingest
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
