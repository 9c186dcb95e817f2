import Foundation
import TestSupport
import Testing

/// One function, three regions, one Redis store: separate `vigil invoke --region …` processes, each seeing
/// the target its own way (its own TARGET_URL), at instants given with --now. A target is down only when two
/// regions agree; one alert per incident names them; a region silent past the window is unknown, and two
/// silent regions are an alert of their own.
@Suite(.serialized) struct QuorumCLITests {
  static let regions = ["ap-guangzhou", "ap-shanghai", "ap-beijing"]

  struct Setup {
    var folder: String
    var tag: String
    var environment: [String: String]
    var ok: String
    var failing: String
  }

  func setup() async throws -> Setup {
    let tag = UUID().uuidString
    let base = try await HTTPTestPeer.httpBase()
    let config = """
      quorum: {regions: [\(Self.regions.joined(separator: ", "))], down: 2, window: 150s}
      targets:
        - {name: api, url: '${env:TARGET_URL}', timeout: 5s}

      """
    let folder = try await webhookProject(
      hooks: [("hook", "/hook/ok/\(tag)")], alerting: "channels: [hook]\ntrigger: {consecutive: 1}",
      timeout: 30,
      files: ["functions/web/config.yml": config])
    let store = try await redisStoreURL("quorum")
    return Setup(
      folder: folder, tag: tag, environment: ["VIGIL_STATE": store, "HOOK_SECRET": WebhookTestPeer.secret],
      ok: base + "/ok", failing: base + "/status/503")
  }

  /// Runs `web` in `region` at `minute` minutes after a fixed start, seeing `url`; returns its result.
  func run(_ setup: Setup, region: String, minute: Int, url: String) async throws -> [String: Any] {
    let now = "2026-12-04T10:\(minute < 10 ? "0" : "")\(minute):00+08:00"
    let run = try await vigil(
      ["invoke", "web", "--region", region, "--now", now], in: setup.folder,
      environment: setup.environment.merging(["TARGET_URL": url]) { _, new in new })
    #expect(run.status == 0, "\(region) at \(now): \(run.stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
  }

  /// Each notice the capture peer received for the project, in order: its status and alerted targets.
  func notices(_ setup: Setup) async throws -> [(status: String, targets: [String], body: String)] {
    try await WebhookTestPeer.requests(prefix: "/hook/ok/\(setup.tag)").map { request in
      let body = request["body"] as? String ?? ""
      let payload = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
      let targets = (payload["alerts"] as? [[String: Any]] ?? []).compactMap {
        ($0["labels"] as? [String: String])?["target"]
      }
      return (payload["status"] as? String ?? "?", targets, body)
    }
  }

  func verdict(_ result: [String: Any], _ target: String = "api") -> [String: Any]? {
    let quorum = result["quorum"] as? [String: Any]
    return (quorum?["targets"] as? [[String: Any]])?.first { $0["target"] as? String == target }
  }

  @Test func twoRegionsMustAgreeAndSilentRegionsAreKnownAsSuch() async throws {
    let s = try await setup()
    // Minute 0: only Guangzhou sees it down. Degraded, no alert.
    _ = try await run(s, region: "ap-guangzhou", minute: 0, url: s.failing)
    _ = try await run(s, region: "ap-shanghai", minute: 0, url: s.ok)
    let third = try await run(s, region: "ap-beijing", minute: 0, url: s.ok)
    #expect(verdict(third)?["verdict"] as? String == "degraded", "\(third)")
    #expect(verdict(third)?["down"] as? [String] == ["ap-guangzhou"])
    #expect(try await notices(s).isEmpty)

    // Minute 1: Shanghai agrees. One alert, naming both, however many regions run after it.
    _ = try await run(s, region: "ap-guangzhou", minute: 1, url: s.failing)
    let agreed = try await run(s, region: "ap-shanghai", minute: 1, url: s.failing)
    #expect(verdict(agreed)?["verdict"] as? String == "down", "\(agreed)")
    _ = try await run(s, region: "ap-beijing", minute: 1, url: s.ok)
    _ = try await run(s, region: "ap-guangzhou", minute: 2, url: s.failing)
    let firing = try await notices(s)
    #expect(firing.map(\.status) == ["firing"], "\(firing.map(\.body))")
    #expect(firing.first?.targets == ["api"])
    let body = firing.first?.body ?? ""
    #expect(body.contains("down from 2 of 3 regions (ap-guangzhou, ap-shanghai)"), "\(body)")
    #expect(body.contains("region ap-beijing") && body.contains("up: "), "each region's view: \(body)")

    // Minute 3: all see it up. One resolved notice.
    for region in Self.regions { _ = try await run(s, region: region, minute: 3, url: s.ok) }
    #expect(try await notices(s).map(\.status) == ["firing", "resolved"])

    // Beijing stops; the others go on every minute. At minute 6 its last report (minute 3) is past the 2.5 m
    // window. it is unknown, never up, and no alert is due.
    var twoLeft: [String: Any] = [:]
    for minute in 4...6 {
      _ = try await run(s, region: "ap-guangzhou", minute: minute, url: s.ok)
      twoLeft = try await run(s, region: "ap-shanghai", minute: minute, url: s.ok)
    }
    let states = (twoLeft["quorum"] as? [String: Any])?["regions"] as? [[String: Any]] ?? []
    #expect(
      states.map { "\($0["region"] ?? "")=\($0["status"] ?? "")" }
        == ["ap-guangzhou=reporting", "ap-shanghai=reporting", "ap-beijing=unknown"], "\(twoLeft)")
    #expect(verdict(twoLeft)?["verdict"] as? String == "up")
    #expect(verdict(twoLeft)?["unknown"] as? [String] == ["ap-beijing"])
    // With Beijing unknown, one region down cannot decide either way: unknown, not up, and nothing is sent.
    let split = try await run(s, region: "ap-guangzhou", minute: 7, url: s.failing)
    #expect(verdict(split)?["verdict"] as? String == "unknown", "\(split)")
    #expect(try await notices(s).map(\.status) == ["firing", "resolved"])

    // Shanghai stops too (its last report: minute 6). At minute 8 it is still within the window; at minute 9
    // two of three regions are silent and the quorum cannot be reached: an alert of its own.
    let eight = try await run(s, region: "ap-guangzhou", minute: 8, url: s.ok)
    #expect(verdict(eight)?["verdict"] as? String == "up", "Shanghai (minute 6) still counts")
    #expect(try await notices(s).map(\.status) == ["firing", "resolved"])
    let alone = try await run(s, region: "ap-guangzhou", minute: 9, url: s.ok)
    #expect(verdict(alone)?["verdict"] as? String == "unknown")
    let silent = try await notices(s)
    #expect(silent.map(\.status) == ["firing", "resolved", "firing"], "\(silent.map(\.body))")
    #expect(silent.last?.targets == ["regions"])
    #expect(silent.last?.body.contains("2 of 3 regions silent") == true, "\(silent.last?.body ?? "")")

    // Shanghai is back: the silence resolves, once.
    _ = try await run(s, region: "ap-shanghai", minute: 10, url: s.ok)
    _ = try await run(s, region: "ap-guangzhou", minute: 10, url: s.ok)
    #expect(try await notices(s).map(\.status) == ["firing", "resolved", "firing", "resolved"])
  }

  @Test func aRegionOutsideTheQuorumAndBadRulesAreErrorsWithTheirPlace() async throws {
    let s = try await setup()
    let listed = try await vigil(["list"], in: s.folder)
    #expect(
      listed.stdout.contains(
        "  regions ap-guangzhou, ap-shanghai, ap-beijing  quorum: down in 2 of 3 within 150s"),
      "\(listed.stdout)")
    let stray = try await vigil(
      ["invoke", "web", "--region", "eu-west-1"], in: s.folder,
      environment: s.environment.merging(["TARGET_URL": s.ok]) { _, new in new })
    #expect(stray.status != 0)
    #expect(
      stray.stdout.contains("this run's region 'eu-west-1' is not one of quorum.regions"), "\(stray.stdout)")
    let badRegion = try await vigil(["invoke", "web", "--region", "Not A Region"], in: s.folder)
    #expect(badRegion.status == 2)
    #expect(badRegion.stderr.contains("--region 'Not A Region' is not a region name"), "\(badRegion.stderr)")
    for (rule, place, message) in [
      ("{regions: [a, b], down: 3}", "1:33", "'config.quorum.down' must be 1-2"),
      ("{regions: [a]}", "1:19", "needs 2 to 16 regions"),
      ("{regions: [a, a]}", "1:23", "the region 'a' is listed twice"),
      ("{regions: [a, b], windw: 1m}", "1:27", "unknown key 'windw'"),
    ] {
      try "quorum: \(rule)\ntargets:\n  - {name: api, url: 'http://127.0.0.1:9/'}\n".write(
        toFile: s.folder + "/functions/web/config.yml", atomically: true, encoding: .utf8)
      let checked = try await vigil(["validate"], in: s.folder)
      #expect(checked.status == 2, "\(rule)")
      #expect(
        checked.stderr.contains("functions/web/config.yml:\(place)") && checked.stderr.contains(message),
        "\(rule): \(checked.stderr)")
    }
  }
}

/// `custom.vigil.regions` in serverless.yml declares where the service is deployed: `vigil list` shows it, and a
/// quorum that counts on a region the service is not deployed to (it would stay silent for ever) is an error in
/// `validate` and in the run, naming both files' places; a bad list is an error at its item.
@Suite struct DeployedRegionsCLITests {
  func project(regions: String, quorum: String) throws -> String {
    try makeProject(
      """
      custom:
        vigil:
          regions: \(regions)
      functions:
        web:
          handler: website-status
      """,
      files: [
        "functions/web/config.yml":
          "quorum: {regions: \(quorum)}\ntargets:\n  - {name: api, url: 'http://127.0.0.1:9/'}\n"
      ])
  }

  @Test func theDeployedRegionsAreListedAndAQuorumBeyondThemIsAnError() async throws {
    let fits = try project(
      regions: "[ap-guangzhou, ap-shanghai, ap-beijing]", quorum: "[ap-guangzhou, ap-shanghai]")
    let listed = try await vigil(["list"], in: fits)
    #expect(listed.status == 0, "\(listed.stderr)")
    #expect(
      listed.stdout.hasPrefix("deployed to ap-guangzhou, ap-shanghai, ap-beijing (custom.vigil.regions)\n"),
      "\(listed.stdout)")
    let valid = try await vigil(["validate"], in: fits)
    #expect(valid.status == 0, "\(valid.stderr)")

    let beyond = try project(regions: "[ap-guangzhou, ap-shanghai]", quorum: "[ap-guangzhou, ap-beijing]")
    let checked = try await vigil(["validate"], in: beyond)
    #expect(checked.status == 2)
    #expect(
      checked.stderr.contains(
        "functions/web/config.yml: quorum.regions names ap-beijing, where the service is not deployed:"
          + " serverless.yml:3:14: custom.vigil.regions is ap-guangzhou, ap-shanghai"),
      "\(checked.stderr)")
    let run = try await vigil(["invoke", "web", "--region", "ap-guangzhou"], in: beyond)
    #expect(run.status != 0)
    #expect(
      run.stdout.contains("quorum.regions names ap-beijing, where the service is not deployed"),
      "\(run.stdout)")
  }

  @Test func aBadRegionListIsAnErrorAtItsItem() async throws {
    for (regions, place, message) in [
      ("[ap-guangzhou, ap-guangzhou]", "3:29", "the region 'ap-guangzhou' is listed twice"),
      ("[ap-guangzhou, Shanghai]", "3:29", "a region is 1-64 lower-case letters"),
      ("[]", "3:14", "'custom.vigil.regions' needs 1 to 16 regions, found 0"),
    ] {
      let folder = try project(regions: regions, quorum: "[a, b]")
      let checked = try await vigil(["validate"], in: folder)
      #expect(checked.status == 2, "\(regions)")
      #expect(
        checked.stderr.contains("serverless.yml:\(place)") && checked.stderr.contains(message),
        "\(regions): \(checked.stderr)")
    }
  }
}

/// The same under AWS's Runtime Interface Emulator: three `vigil runtime` processes, each with its own
/// AWS_REGION and its own empty state folder, sharing one Redis store; each invocation's event names the URL
/// that region sees. The 4 s window passes in real time here (the emulator's runtime has no --now).
@Suite struct QuorumLambdaTests {
  @Test func threeRegionsUnderTheEmulatorAlertOnceByQuorum() async throws {
    let store = try await redisStoreURL("qlambda")
    let tag = UUID().uuidString
    let regions = ["us-east-1", "eu-west-1", "ap-southeast-1"]
    let folder = try await webhookProject(
      hooks: [("hook", "/hook/ok/\(tag)")], alerting: "channels: [hook]\ntrigger: {consecutive: 1}",
      timeout: 20,
      files: [
        "functions/web/config.yml":
          "quorum: {regions: [\(regions.joined(separator: ", "))], down: 2, window: 4s}\n"
          + "targets:\n  - {name: api, url: 'http://127.0.0.1:9/'}\n"
      ])
    let base = try await HTTPTestPeer.httpBase()
    func to(_ instance: Int, _ path: String) -> [String: Any] {
      ["to": instance, "event": ["targets": [["name": "api", "url": base + path, "timeout": "5s"]]]]
    }
    var steps: [[String: Any]] = [
      to(0, "/status/503"), to(1, "/ok"), to(2, "/ok"),  // one region down: degraded
      to(0, "/status/503"), to(1, "/status/503"), to(2, "/ok"),  // two agree: one alert
      to(0, "/ok"), to(1, "/ok"), to(2, "/ok"),  // recovered: one resolved notice
      ["stop": 2],
    ]
    for _ in 1...6 { steps += [["pause": 1.0], to(0, "/ok"), to(1, "/ok")] }  // region 2 goes stale
    steps.append(["stop": 1])
    for _ in 1...6 { steps += [["pause": 1.0], to(0, "/ok")] }  // region 1 too: two of three silent
    let spec: [String: Any] = [
      "bootstrap": [RepositoryPaths.products + "/vigil", "runtime"],
      "env": [
        "AWS_LAMBDA_FUNCTION_NAME": "web", "AWS_LAMBDA_FUNCTION_TIMEOUT": "20",
        "VIGIL_CONFIG": folder + "/serverless.yml", "VIGIL_STATE": store,
        "HOOK_SECRET": WebhookTestPeer.secret,
      ],
      "instances": regions.enumerated().map { index, region in
        ["AWS_REGION": region, "VIGIL_STATE_DIR": folder + "/instance-\(index)"]
      },
      "payloads": steps, "after_each": try await WebhookTestPeer.base() + "/requests", "cwd": folder,
    ]
    let specText = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
    let output = try await runToEnd([
      "python3", RepositoryPaths.root + "/Tests/Support/tools/rie_invoke.py", specText,
    ])
    let json = try #require(try JSONSerialization.jsonObject(with: Data(output)) as? [String: Any])
    let answers = json["answers"] as? [[String: Any]] ?? []
    try #require(answers.count == 9 + 12 + 6, "\(json["log"] ?? "")")
    #expect(answers.allSatisfy { $0["status"] as? Int == 200 }, "\(answers.map { $0["body"] ?? "" })")
    func result(_ index: Int) -> [String: Any] {
      (try? JSONSerialization.jsonObject(with: Data((answers[index]["body"] as? String ?? "").utf8)))
        as? [String: Any] ?? [:]
    }
    func verdict(_ index: Int) -> String? {
      (((result(index)["quorum"] as? [String: Any])?["targets"] as? [[String: Any]])?.first)?["verdict"]
        as? String
    }
    func notices(_ index: Int) -> [String] {
      let all =
        (try? JSONSerialization.jsonObject(with: Data((answers[index]["after"] as? String ?? "").utf8)))
        as? [[String: Any]] ?? []
      return all.filter { ($0["path"] as? String ?? "").hasPrefix("/hook/ok/\(tag)") }.map { request in
        let body = Data((request["body"] as? String ?? "").utf8)
        let payload = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        let target = ((payload["alerts"] as? [[String: Any]])?.first?["labels"] as? [String: String])?[
          "target"]
        return "\(payload["status"] as? String ?? "?") \(target ?? "?")"
      }
    }
    #expect(verdict(2) == "degraded" && notices(2).isEmpty, "\(result(2))")
    #expect(verdict(4) == "down" && notices(4) == ["firing api"], "\(result(4))")
    #expect(notices(5) == ["firing api"], "the third region's run sends nothing more")
    #expect(notices(8) == ["firing api", "resolved api"])
    // Region 2 stopped: after the window it is unknown, and nothing is sent.
    let regionStates = (result(20)["quorum"] as? [String: Any])?["regions"] as? [[String: Any]] ?? []
    #expect(regionStates.last?["status"] as? String == "unknown", "\(result(20))")
    #expect(notices(20) == ["firing api", "resolved api"])
    // Region 1 stopped too: two of three silent, one alert.
    #expect(notices(26) == ["firing api", "resolved api", "firing regions"], "\(notices(26))")
    #expect(verdict(26) == "unknown")
  }
}

/// `vigil schedule` replicas, one per region (`--region`), on one Redis store and an every-second timer: each
/// region runs every firing itself (claims are per region), and the target two regions see down is one alert.
@Suite struct QuorumScheduleTests {
  @Test func oneReplicaPerRegionEachRunsAndTheyAlertOnce() async throws {
    let store = try await redisStoreURL("qsched")
    let tag = UUID().uuidString
    let base = try await HTTPTestPeer.httpBase()
    let regions = ["ap-guangzhou", "ap-shanghai", "ap-beijing"]
    let folder = try await webhookProject(
      hooks: [("hook", "/hook/ok/\(tag)")], alerting: "channels: [hook]\ntrigger: {consecutive: 1}",
      timeout: 5,
      functionSettings: """
        events:
          - timer:
              name: every-second
              parameters:
                cronExpression: '*/1 * * * * * *'
        """,
      files: [
        "functions/web/config.yml":
          "quorum: {regions: [\(regions.joined(separator: ", "))], down: 2, window: 30s}\n"
          + "targets:\n  - {name: api, url: '${env:TARGET_URL}', timeout: 5s}\n"
      ])
    let urls = [base + "/status/503", base + "/status/503", base + "/ok"]
    let replicas = try regions.enumerated().map { index, region in
      try ScheduleProcess(
        arguments: ["schedule", "--region", region, "--for", "5", "--grace", "5"], in: folder,
        environment: [
          "VIGIL_STATE": store, "VIGIL_LOG_LEVEL": "info", "TARGET_URL": urls[index],
          "HOOK_SECRET": WebhookTestPeer.secret,
        ])
    }
    var statuses: [Int32] = []
    for replica in replicas { statuses.append(await replica.finish(timeout: 60)) }
    #expect(statuses == [0, 0, 0])
    // Each region ran the firings itself: claims do not cross regions.
    let runs = replicas.map { $0.messages.filter { $0 == "invocation started" }.count }
    #expect(runs.allSatisfy { $0 >= 3 }, "runs per region: \(runs)")
    let notices = try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)").map { request in
      request["body"] as? String ?? ""
    }
    #expect(notices.count == 1, "\(notices)")
    #expect(
      notices.first?.contains("down from 2 of 3 regions (ap-guangzhou, ap-shanghai)") == true,
      "\(notices.first ?? "")")
  }
}

/// region-latency with `type: deployed`: each region's run probes from where it is, shares its probe through
/// the store and judges the rules on every region's figures; a region silent past the window is unknown.
@Suite struct DeployedRegionLatencyCLITests {
  @Test func eachRegionsProbeReachesTheRulesOfEveryRun() async throws {
    let tag = UUID().uuidString
    let base = try await HTTPTestPeer.httpBase()
    let store = try await redisStoreURL("deployed")
    let folder = try await webhookProject(
      hooks: [("hook", "/hook/ok/\(tag)")], alerting: "channels: [hook]\ntrigger: {consecutive: 1}",
      timeout: 30,
      handler: "region-latency",
      files: [
        "functions/web/config.yml": """
        url: \(base)/ok
        providers:
          - {type: deployed, regions: [ap-guangzhou, ap-shanghai, ap-beijing], window: 150s}
        rules: {failingRegions: 2}

        """
      ])
    func run(_ region: String, minute: Int, path: String) async throws -> [String: Any] {
      let event = folder + "/event-\(region)-\(minute).json"
      try #"{"url": "\#(base)\#(path)"}"#.write(toFile: event, atomically: true, encoding: .utf8)
      let result = try await vigil(
        [
          "invoke", "web", "--region", region, "--now", "2026-12-04T10:0\(minute):00+08:00", "--event", event,
        ],
        in: folder, environment: ["VIGIL_STATE": store, "HOOK_SECRET": WebhookTestPeer.secret])
      #expect(result.status == 0, "\(result.stderr)")
      return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }
    func lines(_ result: [String: Any]) -> [String] {
      (result["regions"] as? [[String: Any]] ?? []).map {
        "\($0["region"] ?? "")=\($0["unknown"] != nil ? "unknown" : ($0["error"] != nil || ($0["status"] as? Int ?? 0) >= 400) ? "failing" : "ok")"
      }
    }
    func notices() async throws -> [String] {
      try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)").map { $0["body"] as? String ?? "" }
    }
    // Guangzhou first: the others have not probed yet, so they are unknown, and one failing region is not two.
    let first = try await run("ap-guangzhou", minute: 0, path: "/status/503")
    #expect(lines(first) == ["ap-guangzhou=failing", "ap-shanghai=unknown", "ap-beijing=unknown"])
    #expect(first["healthy"] as? Bool == true)
    let second = try await run("ap-shanghai", minute: 0, path: "/ok")
    #expect(lines(second) == ["ap-guangzhou=failing", "ap-shanghai=ok", "ap-beijing=unknown"])
    #expect(try await notices().isEmpty)
    // Beijing fails too: two failing regions, seen from Beijing's run, with Guangzhou's figures in it.
    let third = try await run("ap-beijing", minute: 1, path: "/status/500")
    #expect(lines(third) == ["ap-guangzhou=failing", "ap-shanghai=ok", "ap-beijing=failing"])
    #expect(third["healthy"] as? Bool == false)
    let sent = try await notices()
    #expect(sent.count == 1 && sent.first?.contains("2 of 3 regions failing") == true, "\(sent)")
    // Minute 4: Guangzhou's probe (minute 0) is past the 150 s window: unknown again, and the rule no longer holds.
    let later = try await run("ap-shanghai", minute: 4, path: "/ok")
    #expect(lines(later) == ["ap-guangzhou=unknown", "ap-shanghai=ok", "ap-beijing=unknown"])
    #expect(later["healthy"] as? Bool == true)
  }
}
