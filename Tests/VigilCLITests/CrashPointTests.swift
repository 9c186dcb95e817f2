import Foundation
import TestSupport
import Testing

/// kill -9 at every write boundary of an alerting scenario (fire, escalate, remind, resolve, hold for quiet
/// hours, digest), and at random moments of a 60-target run: after the next runs every notice arrived exactly
/// once (deduplicated by `X-Vigil-Delivery`, which stays the same when a send is retried).
@Suite(.serialized) struct CrashPointTests {
  /// One invocation of the scenario: the clock and which of the two targets answer.
  struct Step: Sendable {
    var now: String
    var aUp: Bool
    var bUp: Bool
  }

  /// Two targets on one function: escalation to a second channel after 10 minutes, a reminder every 30,
  /// resolved notices, and quiet hours 02:00-04:00 UTC whose held notices go out as one digest at 04:05.
  static let steps: [Step] = [
    Step(now: "2026-03-02T00:00:00Z", aUp: false, bUp: false),  // both fire (step 1, hook-a)
    Step(now: "2026-03-02T00:11:00Z", aUp: false, bUp: false),  // escalation step 2 (hook-b)
    Step(now: "2026-03-02T00:45:00Z", aUp: false, bUp: false),  // reminder (hook-a)
    Step(now: "2026-03-02T01:00:00Z", aUp: true, bUp: false),  // a resolves (both hooks)
    Step(now: "2026-03-02T02:30:00Z", aUp: true, bUp: true),  // b resolves: held (quiet hours)
    Step(now: "2026-03-02T02:40:00Z", aUp: false, bUp: true),  // a fires again: held
    Step(now: "2026-03-02T04:05:00Z", aUp: false, bUp: true),  // the digest, with a's escalation
    Step(now: "2026-03-02T04:30:00Z", aUp: true, bUp: true),  // a resolves
    Step(now: "2026-03-02T06:00:00Z", aUp: true, bUp: true),  // a quiet run: anything left is sent
  ]

  func project(tag: String, upURL: String, downURL: String) async throws -> String {
    try await webhookProject(
      hooks: [("hook-a", "/hook/ok/\(tag)-a"), ("hook-b", "/hook/ok/\(tag)-b")],
      alerting: """
        channels: [hook-a]
        escalation: [{after: 0s, channels: [hook-a]}, {after: 10m, channels: [hook-b]}]
        repeatEvery: 30m
        sendResolved: true
        quietHours: {from: 2, to: 4}
        timezone: UTC
        """,
      files: ["functions/web/up": upURL, "functions/web/down": downURL])
  }

  /// Points the targets at the up or down URL for `step`.
  func arrange(_ folder: String, for step: Step) throws {
    let up = try String(contentsOfFile: folder + "/functions/web/up", encoding: .utf8)
    let down = try String(contentsOfFile: folder + "/functions/web/down", encoding: .utf8)
    let config = """
      targets:
        - {name: api, url: '\(step.aUp ? up : down)', timeout: 2s}
        - {name: shop, url: '\(step.bUp ? up : down)', timeout: 2s}

      """
    try config.write(toFile: folder + "/functions/web/config.yml", atomically: true, encoding: .utf8)
  }

  /// Every notice the two hooks of `tag` received, one line each ("a firing api <title>"), deduplicated by
  /// delivery id, with how many deliveries arrived more than once.
  static func received(tag: String) async throws -> (notices: [String], repeats: Int) {
    var seen: [String: String] = [:]
    var repeats = 0
    var notices: [String] = []
    for hook in ["a", "b"] {
      for request in try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)-\(hook)") {
        let headers = request["headers"] as? [String: String] ?? [:]
        let body = request["body"] as? String ?? ""
        let delivery = try #require(headers["x-vigil-delivery"], "a webhook without X-Vigil-Delivery")
        #expect(request["signature_valid"] as? Bool == true)
        if let earlier = seen[delivery] {
          #expect(earlier == body, "a retried delivery must carry the same notices")
          repeats += 1
          continue
        }
        seen[delivery] = body
        let payload = try #require(
          try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let text = payload["text"] as? String ?? ""
        let title =
          (payload["title"] as? String ?? "(no title)")
          + (text.contains("held during quiet hours") ? " (digest)" : "")
        for alert in payload["alerts"] as? [[String: Any]] ?? [] {
          let labels = alert["labels"] as? [String: String] ?? [:]
          notices.append("\(hook) \(alert["status"] as? String ?? "?") \(labels["target"] ?? "?") \(title)")
        }
      }
    }
    return (notices.sorted(), repeats)
  }

  func copyFolder(_ from: String, to: String) throws {
    try? FileManager.default.removeItem(atPath: to)
    guard FileManager.default.fileExists(atPath: from) else { return }
    try FileManager.default.copyItem(atPath: from, toPath: to)
  }

  @Test func killAtEveryWriteBoundaryLosesAndRepeatsNothing() async throws {
    let upURL = try await HTTPTestPeer.httpBase() + "/ok"
    let downURL = "http://127.0.0.1:\(unusedLoopbackPort())/"
    // The run without kills: the state before each step, the boundaries of each step, what it sent.
    let baseTag = UUID().uuidString
    let baseline = try await project(tag: baseTag, upURL: upURL, downURL: downURL)
    let env = ["HOOK_SECRET": WebhookTestPeer.secret, "VIGIL_STATE_DIR": baseline + "/state"]
    var boundaries: [[String]] = []
    var sentFrom: [[String]] = []  // what the baseline sent from each step on (filled below)
    var sentBefore: [[String]] = []
    for (index, step) in Self.steps.enumerated() {
      try copyFolder(baseline + "/state", to: baseline + "/before-\(index)")
      sentBefore.append(try await Self.received(tag: baseTag).notices)
      try arrange(baseline, for: step)
      let log = baseline + "/boundaries-\(index)"
      let run = try await vigil(
        ["invoke", "web", "--now", step.now], in: baseline,
        environment: env.merging(try await CrashPoint.environment(log: log)) { _, new in new })
      #expect(run.status == 0, "step \(index): \(run.stderr)")
      boundaries.append(CrashPoint.boundaries(in: log))
    }
    let all = try await Self.received(tag: baseTag)
    #expect(all.repeats == 0)
    for before in sentBefore { sentFrom.append(Self.subtracting(before, from: all.notices)) }
    // The scenario must do what it says, or the kills below prove little.
    let kinds = Set(all.notices.map { $0.split(separator: " ").prefix(2).joined(separator: " ") })
    #expect(kinds == ["a firing", "a resolved", "b firing", "b resolved"], "\(all.notices)")
    #expect(all.notices.contains { $0.contains("reminder") || $0.contains("still") }, "\(all.notices)")
    #expect(all.notices.contains { $0.hasSuffix("(digest)") }, "\(all.notices)")
    // Every step but the last writes something (the last finds nothing to do).
    #expect(boundaries.dropLast().allSatisfy { !$0.isEmpty }, "\(boundaries)")

    // Kill before each boundary of each step; run the step again at the same time, then the rest.
    var cases: [(Int, Int)] = []
    for (step, list) in boundaries.enumerated() {
      for boundary in list.indices { cases.append((step, boundary + 1)) }
    }
    #expect(cases.count > 40)
    let (allBoundaries, expectedFrom) = (boundaries, sentFrom)
    try await Self.inWorkers(cases) { step, boundary in
      try await self.killScenario(
        step: step, boundary: boundary, what: allBoundaries[step][boundary - 1],
        state: baseline + "/before-\(step)", expected: expectedFrom[step], upURL: upURL, downURL: downURL)
    }
  }

  /// Runs `body` for every item, four at a time (each item has its own folders and hook paths).
  static func inWorkers<Item: Sendable>(
    _ items: [Item], _ body: @escaping @Sendable (Item) async throws -> Void
  ) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
      for worker in 0..<4 {
        let share = stride(from: worker, to: items.count, by: 4).map { items[$0] }
        group.addTask { for item in share { try await body(item) } }
      }
      try await group.waitForAll()
    }
  }

  /// `notices` without one occurrence of each of `earlier`.
  static func subtracting(_ earlier: [String], from notices: [String]) -> [String] {
    var rest = notices
    for notice in earlier {
      if let index = rest.firstIndex(of: notice) { rest.remove(at: index) }
    }
    return rest
  }

  func killScenario(
    step killed: Int, boundary: Int, what: String, state: String, expected: [String], upURL: String,
    downURL: String
  ) async throws {
    let tag = UUID().uuidString
    let folder = try await project(tag: tag, upURL: upURL, downURL: downURL)
    try copyFolder(state, to: folder + "/state")
    let env = ["HOOK_SECRET": WebhookTestPeer.secret, "VIGIL_STATE_DIR": folder + "/state"]
    let label = "killed before boundary \(boundary) of step \(killed) (\(what))"
    try arrange(folder, for: Self.steps[killed])
    let crash = try await vigil(
      ["invoke", "web", "--now", Self.steps[killed].now], in: folder,
      environment: env.merging(
        try await CrashPoint.environment(log: folder + "/boundaries", killAt: boundary)
      ) { _, new in new })
    #expect(crash.status == 9, "\(label): the run was not killed: \(crash.stderr)")
    for index in killed..<Self.steps.count {
      try arrange(folder, for: Self.steps[index])
      let run = try await vigil(
        ["invoke", "web", "--now", Self.steps[index].now], in: folder, environment: env)
      #expect(run.status == 0, "\(label), then step \(index): \(run.stderr)")
    }
    let got = try await Self.received(tag: tag)
    #expect(got.notices == expected, "\(label)")
  }

  @Test func fiftyRandomKillsDuringASixtyTargetRunLoseNothing() async throws {
    let downURL = "http://127.0.0.1:\(unusedLoopbackPort())/"
    let targets =
      "targets:\n"
      + (0..<60).map { "  - {name: site-\($0), url: '\(downURL)\($0)', timeout: 2s}\n" }.joined()
    @Sendable func project(_ tag: String) async throws -> String {
      try await webhookProject(
        hooks: [("hook-a", "/hook/ok/\(tag)-a")], alerting: "channels: [hook-a]", timeout: 20,
        files: ["functions/web/config.yml": targets])
    }
    let now = "2026-03-02T00:00:00Z"
    let later = "2026-03-02T00:05:00Z"  // past the 120 s lease a killed sender leaves
    // How many boundaries (every write, fsync, connect and send) one run has.
    let probe = try await project(UUID().uuidString)
    let log = probe + "/boundaries"
    let clean = try await vigil(
      ["invoke", "web", "--now", now], in: probe,
      environment: ["HOOK_SECRET": WebhookTestPeer.secret, "VIGIL_STATE_DIR": probe + "/state"].merging(
        try await CrashPoint.environment(log: log, everyCall: true)
      ) { _, new in new })
    #expect(clean.status == 0, "\(clean.stderr)")
    let total = CrashPoint.boundaries(in: log).count
    #expect(total > 60)
    var generator = SeededGenerator(seed: 20_261_203)
    let moments = (0..<50).map { _ in Int.random(in: 1...total, using: &generator) }
    try await Self.inWorkers(moments) { moment in
      let tag = UUID().uuidString
      let folder = try await project(tag)
      let env = ["HOOK_SECRET": WebhookTestPeer.secret, "VIGIL_STATE_DIR": folder + "/state"]
      let crash = try await vigil(
        ["invoke", "web", "--now", now], in: folder,
        environment: env.merging(
          try await CrashPoint.environment(log: folder + "/boundaries", killAt: moment, everyCall: true)
        ) { _, new in new })
      #expect(crash.status == 9, "moment \(moment) of \(total): not killed")
      let after = try await vigil(["invoke", "web", "--now", later], in: folder, environment: env)
      #expect(after.status == 0, "moment \(moment): \(after.stderr)")
      let got = try await Self.received(tag: tag)
      let firing = Set(got.notices.filter { $0.hasPrefix("a firing ") }.map { $0.split(separator: " ")[2] })
      #expect(firing.count == 60, "killed at moment \(moment) of \(total): \(firing.count) of 60 notified")
      #expect(got.notices.count == 60, "killed at moment \(moment) of \(total): \(got.notices.count) notices")
    }
  }
}
