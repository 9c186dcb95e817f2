import Foundation
import Testing
import VigilCore
import VigilCron

@testable import VigilAlerting

/// Sample sequences in, notifications out.
@Suite struct PolicyEngineTests {
  let start = Instant(timeIntervalSince1970: 1_767_225_600)

  /// Feeds one sample per `step` seconds (`.` healthy, `x` failing, or a number for `value`) and records
  /// what was asked for, as "t=SECONDS kind[step]".
  func run(_ policy: AlertPolicy, _ samples: [String], step: Double = 60) -> [String] {
    var state: AlertState?
    var log: [String] = []
    for (index, sample) in samples.enumerated() {
      let now = start.addingTimeInterval(Double(index) * step)
      let value = Double(sample)
      let candidate = AlertCandidate(
        function: "f", check: "c", target: "t", healthy: value == nil ? sample == "." : true, summary: sample,
        facts: [], observedAt: now, value: value)
      let result = PolicyEngine.evaluate(candidate, state: state, policy: policy, now: now)
      state = result.state
      for intent in result.intents {
        log.append(
          "t=\(Int(now.timeIntervalSince(start))) \(intent.kind.rawValue)\(intent.step.map { "[\($0)]" } ?? "")"
        )
      }
    }
    return log
  }

  @Test func consecutiveFailuresThenRecovery() {
    var policy = AlertPolicy()
    policy.trigger = .consecutive(3)
    policy.recoverAfter = 2
    #expect(
      run(policy, [".", "x", "x", ".", "x", "x", "x", "x", ".", "x", ".", "."]) == [
        "t=360 firing", "t=660 resolved",
      ])
  }

  @Test func nOfM() {
    var policy = AlertPolicy()
    policy.trigger = .nOfM(n: 3, m: 5)
    #expect(run(policy, ["x", ".", "x", ".", "x", ".", "."]) == ["t=240 firing", "t=300 resolved"])
    #expect(run(policy, ["x", ".", ".", ".", "x", ".", "x"]) == [])
  }

  @Test func movingAverageOfTheLastThreeReadings() {
    var policy = AlertPolicy()
    policy.trigger = .movingAverage(samples: 3, above: 85)
    // 80, 90, 95 → avg 88.3 fires at the third reading; 60 → avg 81.7 recovers.
    #expect(run(policy, ["80", "90", "95", "99", "60"], step: 3) == ["t=6 firing", "t=12 resolved"])
    // One spike never fires.
    #expect(run(policy, ["50", "99", "50", "60"], step: 3) == [])
  }

  @Test func escalationAtTheArticlesOffsets() {
    var policy = AlertPolicy()
    policy.escalation = [1, 10, 60, 240, 1440].map { AlertPolicy.EscalationStep(offset: Double($0) * 60) }
    // A host silent for 25 hours, checked every minute: exactly five notifications, at 1, 10, 60, 240, 1440 min.
    let samples = ["x"] + Array(repeating: "x", count: 1500) + ["."]
    #expect(
      run(policy, samples) == [
        "t=60 firing[1]", "t=600 firing[2]", "t=3600 firing[3]", "t=14400 firing[4]", "t=86400 firing[5]",
        "t=90060 resolved",
      ])
  }

  @Test func escalationStepsCanNameTheirOwnChannels() {
    var policy = AlertPolicy()
    policy.channels = ["wecom"]
    policy.escalation = [.init(offset: 0), .init(offset: 600, channels: ["sms", "wecom"])]
    var state: AlertState?
    var channels: [[String]] = []
    for minute in 0...11 {
      let now = start.addingTimeInterval(Double(minute) * 60)
      let result = PolicyEngine.evaluate(
        AlertCandidate(
          function: "f", check: "c", target: "t", healthy: minute == 11, summary: "", facts: [],
          observedAt: now), state: state, policy: policy, now: now)
      state = result.state
      channels += result.intents.map(\.channels)
    }
    #expect(channels == [["wecom"], ["sms", "wecom"], ["wecom", "sms"]])
  }

  @Test func throttledReminders() {
    var policy = AlertPolicy()
    policy.repeatEvery = 30 * 60
    let samples = Array(repeating: "x", count: 95)
    #expect(run(policy, samples) == ["t=0 firing", "t=1800 reminder", "t=3600 reminder", "t=5400 reminder"])
  }

  @Test func lateEvaluationFoldsMissedSteps() {
    var policy = AlertPolicy()
    policy.escalation = [60, 600, 3600].map { AlertPolicy.EscalationStep(offset: $0) }
    // Checked only every 20 minutes: at 20 min the 1- and 10-minute steps are both due; one notification.
    #expect(run(policy, ["x", "x", "x", "x"], step: 1200) == ["t=1200 firing[2]", "t=3600 firing[3]"])
  }

  @Test func incidentIDIsStableForOneOutageAndNewForTheNext() {
    let policy = AlertPolicy()
    var state: AlertState?
    var ids: [String] = []
    for (minute, healthy) in [false, false, true, false].enumerated() {
      let now = start.addingTimeInterval(Double(minute) * 60)
      let result = PolicyEngine.evaluate(
        AlertCandidate(
          function: "f", check: "c", target: "t", healthy: healthy, summary: "", facts: [], observedAt: now),
        state: state, policy: policy, now: now)
      state = result.state
      ids += result.intents.map(\.incidentID)
    }
    #expect(ids.count == 3)
    #expect(ids[0] == ids[1])
    #expect(ids[2] != ids[0])
  }

  @Test func noResolvedWithoutAFiring() {
    var policy = AlertPolicy()
    policy.escalation = [.init(offset: 600)]
    // Failing for 5 minutes then back: the incident opened but never notified, so no resolve either.
    #expect(run(policy, ["x", "x", "x", "x", "x", "."]) == [])
  }
}

@Suite struct PolicyTimeWindowTests {
  func candidate(healthy: Bool, at date: Instant, target: String = "t") -> AlertCandidate {
    AlertCandidate(
      function: "f", check: "c", target: target, healthy: healthy, summary: target, facts: [],
      observedAt: date)
  }

  func at(_ text: String) -> Instant {
    ISO8601.parse(text)?.date(in: .utc) ?? Instant(timeIntervalSince1970: 0)
  }

  /// Feeds failing samples at each instant; returns the instants (UTC) at which something was sent.
  func firings(_ policy: AlertPolicy, _ instants: [String], healthyAt: Set<String> = []) -> [String] {
    var state: AlertState?
    var sent: [String] = []
    for instant in instants {
      let result = PolicyEngine.evaluate(
        candidate(healthy: healthyAt.contains(instant), at: at(instant)), state: state, policy: policy,
        now: at(instant))
      state = result.state
      sent += result.intents.map { "\(instant) \($0.kind.rawValue)" }
    }
    return sent
  }

  @Test func ignoredHoursAreNotEvaluated() throws {
    var policy = AlertPolicy()
    policy.zone = try Zone.named("Asia/Shanghai")
    policy.ignoreHours = [3]
    // 03:10 and 03:50 Shanghai time are 19:10Z and 19:50Z: not evaluated at all; 04:00 local fires.
    #expect(
      firings(policy, ["2026-11-21T19:10:00Z", "2026-11-21T19:50:00Z", "2026-11-21T20:00:00Z"]) == [
        "2026-11-21T20:00:00Z firing"
      ])
  }

  @Test func maintenanceWindowsFollowTheCronAcrossFallBack() throws {
    var policy = AlertPolicy()
    policy.zone = try Zone.named("America/New_York")
    policy.maintenance = [.init(cron: try CronExpression("0 0 1 * * * *"), duration: 5400)]
    // 2024-11-03: 01:00 happens twice (05:00Z EDT and 06:00Z EST), so the window covers 05:00Z-07:30Z.
    #expect(
      firings(
        policy,
        ["2024-11-03T05:10:00Z", "2024-11-03T06:40:00Z", "2024-11-03T07:20:00Z", "2024-11-03T07:31:00Z"]) == [
          "2024-11-03T07:31:00Z firing"
        ])
    // An ordinary day: 01:00 EST = 06:00Z to 07:30Z.
    #expect(firings(policy, ["2024-11-05T05:59:00Z"]) == ["2024-11-05T05:59:00Z firing"])
    #expect(
      firings(policy, ["2024-11-05T06:01:00Z", "2024-11-05T07:29:00Z", "2024-11-05T07:30:30Z"]) == [
        "2024-11-05T07:30:30Z firing"
      ])
  }

  @Test func maintenanceWindowInASpringForwardGapOpensAfterTheGap() throws {
    var policy = AlertPolicy()
    policy.zone = try Zone.named("America/New_York")
    policy.maintenance = [.init(cron: try CronExpression("0 30 2 * * * *"), duration: 3600)]
    // 2024-03-10 02:30 does not exist: the window opens at 03:00 EDT (07:00Z) and lasts an hour.
    #expect(firings(policy, ["2024-03-10T06:59:00Z"]) == ["2024-03-10T06:59:00Z firing"])
    #expect(
      firings(policy, ["2024-03-10T07:01:00Z", "2024-03-10T07:59:00Z", "2024-03-10T08:00:30Z"]) == [
        "2024-03-10T08:00:30Z firing"
      ])
  }

  @Test func resolvesStillGoOutDuringMaintenance() throws {
    var policy = AlertPolicy()
    policy.maintenance = [.init(cron: try CronExpression("0 0 12 * * * *"), duration: 3600)]
    let sent = firings(
      policy, ["2026-01-01T11:50:00Z", "2026-01-01T12:10:00Z"], healthyAt: ["2026-01-01T12:10:00Z"])
    #expect(sent == ["2026-01-01T11:50:00Z firing", "2026-01-01T12:10:00Z resolved"])
  }

  @Test func quietHoursHoldNoticesForADigest() async throws {
    var policy = AlertPolicy()
    policy.quietHours = .init(from: 23, to: 7)
    let clock = ManualClock(at("2026-01-01T23:30:00Z"))
    let channel = RecordingChannel()
    let state = InMemoryStateStore()
    let engine = AlertingEngine(policy: policy, channels: ["console": channel], state: state, clock: clock)
    _ = try await engine.process(
      [candidate(healthy: false, at: clock.now, target: "a")], function: "f", requestID: "r1", logger: .silent
    )
    clock.set(at("2026-01-02T03:00:00Z"))
    _ = try await engine.process(
      [candidate(healthy: false, at: clock.now, target: "b")], function: "f", requestID: "r2", logger: .silent
    )
    #expect(channel.sent.withLock { $0.isEmpty })
    clock.set(at("2026-01-02T07:05:00Z"))
    _ = try await engine.process(
      [candidate(healthy: false, at: clock.now, target: "c")], function: "f", requestID: "r3", logger: .silent
    )
    let sent = channel.sent.withLock { $0 }
    #expect(sent.count == 1)
    #expect(sent.first?.notices.map(\.candidate.target) == ["a", "b", "c"])
    #expect(sent.first?.digest == 2)
    #expect(sent.first?.text.contains("digest: 2 notices held during quiet hours") == true)
  }
}

@Suite struct FlapDetectionTests {
  @Test func flappingPausesNotificationsBehindOneNoticeUntilStable() {
    var policy = AlertPolicy()
    policy.flap = .init(window: 6, changes: 4)
    let start = Instant(timeIntervalSince1970: 1_767_225_600)
    var state: AlertState?
    var log: [String] = []
    // Alternating up and down, then steady down, then steady up.
    let samples = Array("x.x.x.x") + Array(repeating: "x", count: 5) + Array(repeating: ".", count: 2)
    for (minute, sample) in samples.enumerated() {
      let now = start.addingTimeInterval(Double(minute) * 60)
      let candidate = AlertCandidate(
        function: "f", check: "c", target: "t", healthy: sample == ".", summary: "", facts: [],
        observedAt: now)
      let result = PolicyEngine.evaluate(candidate, state: state, policy: policy, now: now)
      state = result.state
      log += result.intents.map { "\(minute) \($0.kind.rawValue)" }
    }
    // Up to minute 3 there are fewer than 4 changes in the window, so notices flow; at minute 4 there are 4:
    // one flapping notice, then nothing; at minute 9 the window holds 2 changes: stable, and the outage still
    // going is notified; it resolves at minute 12.
    #expect(
      log == [
        "0 firing", "1 resolved", "2 firing", "3 resolved", "4 flapping", "9 stable", "9 firing",
        "12 resolved",
      ])
  }
}
