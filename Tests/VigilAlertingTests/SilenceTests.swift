import Foundation
import Testing
import VigilCore
import VigilCron

@testable import VigilAlerting

/// Silences with an injected clock: what each run sends, what it records, and what is sent when a silence ends.
@Suite struct SilenceTests {
  let start = Instant(timeIntervalSince1970: 1_767_225_600)

  struct Setup {
    let clock: ManualClock
    let state = InMemoryStateStore()
    let pager = RecordingChannel()
    let engine: AlertingEngine

    init(start: Instant, repeatEvery: Double? = nil) {
      clock = ManualClock(start)
      var policy = AlertPolicy()
      policy.channels = ["pager"]
      policy.repeatEvery = repeatEvery
      engine = AlertingEngine(
        policy: policy, channels: ["pager": pager], state: state, clock: clock,
        labels: ["team": "shop"], targets: .init(labels: ["orders-api": ["team": "data"]]))
    }

    /// A run at `minute`: each target in `failing` down, each in `healthy` up; what was sent ("target status")
    /// and the outcome.
    func run(
      at minute: Double, from start: Instant, failing: [String] = [], healthy: [String] = []
    ) async -> (sent: [String], outcome: AlertingEngine.Outcome) {
      clock.set(start.addingTimeInterval(minute * 60))
      let before = pager.sent.withLock { $0.count }
      let candidates =
        failing.map { (name: $0, up: false) } + healthy.map { (name: $0, up: true) }
      let outcome = await engine.process(
        candidates.map {
          AlertCandidate(
            function: "shop", check: "website-status", target: $0.name, healthy: $0.up,
            summary: "\($0.name) \($0.up ? "up" : "down")", facts: [], observedAt: clock.now)
        }, function: "shop", requestID: UUID().uuidString, logger: .silent)
      let sent = pager.sent.withLock { Array($0[before...]) }.flatMap(\.notices).map {
        "\($0.candidate.target) \($0.status.rawValue)"
      }
      return (sent.sorted(), outcome)
    }

    func silence(_ match: String, from: Instant, minutes: Double) async throws -> Silence {
      try await Silences(state: state).add(
        Silence(
          id: "sil-\(UUID().uuidString.prefix(8))", matchers: try Silence.matchers(match), startsAt: from,
          endsAt: from.addingTimeInterval(minutes * 60), createdBy: "alice", comment: "deploy"),
        now: from)
    }
  }

  @Test func matchingNoticesAreRecordedNotSentAndAStillFiringIncidentIsNotifiedWhenTheSilenceEnds()
    async throws
  {
    let setup = Setup(start: start)
    let silence = try await setup.silence("function=shop,target=home*", from: start, minutes: 60)
    // home-page matches and is held back (recorded once, with the silence's id); api does not match.
    let first = await setup.run(at: 0, from: start, failing: ["home-page", "api"])
    #expect(first.sent == ["api firing"])
    #expect(
      first.outcome.silenced.map {
        "\($0.notice.candidate.target) \($0.notice.status.rawValue) \($0.silence)"
      } == [
        "home-page firing \(silence.id)"
      ])
    #expect(first.outcome.problems.isEmpty)
    // Still failing under the silence: nothing sent, nothing recorded again.
    let second = await setup.run(at: 30, from: start, failing: ["home-page", "api"])
    #expect(second.sent == [])
    #expect(second.outcome.silenced.isEmpty)
    // The silence ends at 60 min: the next run notifies the incident that is still firing.
    let after = await setup.run(at: 61, from: start, failing: ["home-page", "api"])
    #expect(after.sent == ["home-page firing"])
    #expect(
      await setup.run(at: 62, from: start, healthy: ["home-page", "api"]).sent == [
        "api resolved", "home-page resolved",
      ])
  }

  @Test func aResolveGoesOutUnderASilenceAndRemindersWait() async throws {
    let setup = Setup(start: start, repeatEvery: 10 * 60)
    #expect(await setup.run(at: 0, from: start, failing: ["home-page"]).sent == ["home-page firing"])
    _ = try await setup.silence("target=home-page", from: start.addingTimeInterval(5 * 60), minutes: 60)
    let held = await setup.run(at: 10, from: start, failing: ["home-page"])
    #expect(held.sent == [])
    #expect(held.outcome.silenced.map { $0.notice.status.rawValue } == ["reminder"])
    #expect(await setup.run(at: 20, from: start, failing: ["home-page"]).sent == [])
    // Whoever was paged before the silence learns it is over.
    #expect(await setup.run(at: 25, from: start, healthy: ["home-page"]).sent == ["home-page resolved"])
  }

  @Test func labelsSeverityAndPendingSilences() async throws {
    let setup = Setup(start: start)
    // orders-api carries team=data (its own label over the function's team=shop).
    _ = try await setup.silence("team=data", from: start, minutes: 60)
    // A silence that starts later holds nothing yet.
    _ = try await setup.silence("target=home-page", from: start.addingTimeInterval(30 * 60), minutes: 60)
    let run = await setup.run(at: 0, from: start, failing: ["orders-api", "home-page", "api"])
    #expect(run.sent == ["api firing", "home-page firing"])
    #expect(run.outcome.silenced.map(\.notice.candidate.target) == ["orders-api"])
    let severe = try await setup.silence("severity=crit*", from: start, minutes: 60)
    #expect(severe.matchers == [.init(name: "severity", pattern: "crit*")])
    let other = await setup.run(at: 1, from: start, failing: ["beta"])
    #expect(other.sent == [])  // candidates are critical unless a check says otherwise
    #expect(other.outcome.silenced.map(\.silence) == [severe.id])
  }

  @Test func expiringEndsASilenceAtOnceAndItIsListedAsExpired() async throws {
    let setup = Setup(start: start)
    let silences = Silences(state: setup.state)
    let silence = try await setup.silence("target=home-page", from: start, minutes: 120)
    #expect(await setup.run(at: 0, from: start, failing: ["home-page"]).sent == [])
    let expired = try await silences.expire(silence.id, now: start.addingTimeInterval(600))
    #expect(expired.expiredAt == start.addingTimeInterval(600))
    #expect(try await silences.list().map { $0.phase(at: start.addingTimeInterval(601)) } == ["expired"])
    #expect(await setup.run(at: 11, from: start, failing: ["home-page"]).sent == ["home-page firing"])
    let again = await #expect(throws: SilenceError.self) {
      _ = try await silences.expire(silence.id, now: start.addingTimeInterval(700))
    }
    #expect(again?.description.contains("already ended") == true)
    let unknown = await #expect(throws: SilenceError.self) {
      _ = try await silences.expire("sil-nothere", now: start)
    }
    #expect(unknown?.description.contains("no silence 'sil-nothere'") == true)
  }

  @Test func silencesThatCannotBeReadHoldNothingBackAndTheRunSaysSo() async throws {
    let setup = Setup(start: start)
    _ = try await setup.state.put(SilenceBook.key, Array("{not json".utf8), if: .absent)
    let run = await setup.run(at: 0, from: start, failing: ["home-page"])
    #expect(run.sent == ["home-page firing"])
    #expect(run.outcome.problems.count == 1)
    #expect(run.outcome.problems.first?.hasPrefix("SILENCES NOT READ (notices sent unsilenced): ") == true)
  }

  @Test(arguments: [
    ("function", "each condition is NAME=PATTERN"), ("target=", "each condition is NAME=PATTERN"),
    ("target=a,target=b", "'target' is given twice"), ("", "each condition is NAME=PATTERN"),
  ])
  func badConditionsAreRefusedWithTheirReason(text: String, reason: String) {
    let error = #expect(throws: SilenceError.self) { _ = try Silence.matchers(text) }
    #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
  }
}
