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
    let server = try await RedisTestPeer.server()
    let config = """
      quorum: {regions: [\(Self.regions.joined(separator: ", "))], down: 2, window: 2m}
      targets:
        - {name: api, url: '${env:TARGET_URL}', timeout: 5s}

      """
    let folder = try await webhookProject(
      hooks: [("hook", "/hook/ok/\(tag)")], alerting: "channels: [hook]\ntrigger: {consecutive: 1}",
      timeout: 30,
      files: ["functions/web/config.yml": config])
    let store =
      "redis://\(server.user):\(server.password)@127.0.0.1:\(server.port)/0?prefix=quorum-\(UUID().uuidString):"
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

    // Beijing stops; the others go on every minute. At minute 6 its last report (minute 3) is past the 2 m
    // window: it is unknown, never up, and no alert is due.
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
