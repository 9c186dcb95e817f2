import Foundation
import Testing
import VigilCore
import VigilCron
import VigilNet

@testable import VigilAlerting

/// An acknowledgement, given through the ledger as `vigil ack` and the signed link give it, with an injected
/// clock: what each run sends.
@Suite struct AcknowledgementTests {
  let start = Instant(timeIntervalSince1970: 1_767_225_600)

  /// One function, one target failing every run, escalation at 0, 10, 60, 240 and 1440 minutes on `pager`.
  struct Setup {
    let clock: ManualClock
    let state = InMemoryStateStore()
    let pager = RecordingChannel()
    let engine: AlertingEngine

    init(
      start: Instant, links: AckLinks? = nil, repeatEvery: Double? = nil,
      escalation: [Double] = [0, 10, 60, 240, 1440]
    ) {
      clock = ManualClock(start)
      var policy = AlertPolicy()
      policy.channels = ["pager"]
      policy.escalation = escalation.map { AlertPolicy.EscalationStep(offset: $0 * 60) }
      policy.repeatEvery = repeatEvery
      engine = AlertingEngine(
        policy: policy, channels: ["pager": pager], state: state, clock: clock, ackLinks: links)
    }

    /// A run at `minute` (from the start), the target failing unless `healthy`; what it sent, as
    /// "status[step]" per notice.
    func run(at minute: Double, from start: Instant, healthy: Bool = false) async -> [String] {
      clock.set(start.addingTimeInterval(minute * 60))
      let before = pager.sent.withLock { $0.count }
      let outcome = await engine.process(
        [
          AlertCandidate(
            function: "shop", check: "website-status", target: "home", healthy: healthy,
            summary: healthy ? "up" : "down", facts: [], observedAt: clock.now)
        ], function: "shop", requestID: UUID().uuidString, logger: .silent)
      #expect(outcome.problems.isEmpty)
      return pager.sent.withLock { Array($0[before...]) }.flatMap(\.notices).map {
        $0.status.rawValue + ($0.step.map { "[\($0)]" } ?? "")
      }
    }

    func notices(since count: Int) -> [AlertNotification.Notice] {
      pager.sent.withLock { Array($0[count...]) }.flatMap(\.notices)
    }

    func incidentID() async throws -> String {
      let ledger = try #require(
        try await state.readJSON(AlertLedger.self, AlertLedger.key(function: "shop")))
      return try #require(ledger.keys.values.compactMap(\.incident).first?.id)
    }
  }

  @Test func anAcknowledgementForAnHourHoldsEscalationThenItResumesAtTheStepReached() async throws {
    let setup = Setup(start: start)
    #expect(await setup.run(at: 0, from: start) == ["firing[1]"])
    let id = try await setup.incidentID()
    // Acknowledged at 5 min for one hour, as `vigil ack --for 1h` writes it.
    let at5 = start.addingTimeInterval(5 * 60)
    _ = try await IncidentAcknowledgements(state: setup.state).acknowledge(
      id,
      with: Acknowledgement(
        by: "alice", at: at5, until: at5.addingTimeInterval(3600), comment: "rolling back", via: "cli"))
    // The next run tells the channel once, with who has it; step 2 (10 min) and step 3 (60 min) are held.
    let told = setup.pager.sent.withLock { $0.count }
    #expect(await setup.run(at: 6, from: start) == ["acknowledged"])
    let acknowledged = try #require(setup.notices(since: told).first)
    #expect(acknowledged.acknowledgement?.by == "alice")
    #expect(acknowledged.facts.contains { $0.name == "acknowledged" && $0.value.contains("rolling back") })
    #expect(await setup.run(at: 10, from: start) == [])
    #expect(await setup.run(at: 60, from: start) == [])
    #expect(await setup.run(at: 64, from: start) == [])
    // At 65 min the hour is over: escalation resumes at the step the incident has reached (3, the 60-minute
    // one), not at step 2, and the notice says whose acknowledgement ended.
    let resumedAt = setup.pager.sent.withLock { $0.count }
    #expect(await setup.run(at: 66, from: start) == ["firing[3]"])
    let resumed = try #require(setup.notices(since: resumedAt).first)
    #expect(resumed.facts.contains { $0.name == "acknowledged" && $0.value.contains("ended") })
    #expect(await setup.run(at: 120, from: start) == [])
    #expect(await setup.run(at: 240, from: start) == ["firing[4]"])
    // Resolution clears it: the resolve carries it, and nothing of it is left in the ledger.
    #expect(await setup.run(at: 241, from: start, healthy: true) == ["resolved"])
    let ledger = try #require(
      try await setup.state.readJSON(AlertLedger.self, AlertLedger.key(function: "shop")))
    #expect(ledger.keys.values.allSatisfy { $0.incident == nil })
  }

  @Test func anAcknowledgementWithoutEndHoldsRemindersUntilTakenBack() async throws {
    // No escalation: one firing, then a reminder every 30 minutes.
    let setup = Setup(start: start, repeatEvery: 30 * 60, escalation: [])
    #expect(await setup.run(at: 0, from: start) == ["firing"])
    #expect(await setup.run(at: 30, from: start) == ["reminder"])
    let id = try await setup.incidentID()
    let desk = IncidentAcknowledgements(state: setup.state)
    _ = try await desk.acknowledge(
      id, with: Acknowledgement(by: "bob", at: start, until: nil, comment: nil, via: "cli"))
    #expect(await setup.run(at: 31, from: start) == ["acknowledged"])
    // Held however long it stays acknowledged.
    for minute in [60.0, 90, 200, 1000] { #expect(await setup.run(at: minute, from: start) == []) }
    // Taken back: the next run reminds at once (the last reminder was long ago), then every 30 minutes.
    let withdrawn = try await desk.withdraw(id)
    #expect(withdrawn.previous?.by == "bob")
    #expect(await setup.run(at: 1001, from: start) == ["reminder"])
    #expect(await setup.run(at: 1020, from: start) == [])
    #expect(await setup.run(at: 1031, from: start) == ["reminder"])
    // Taking back what is not there changes nothing and says so.
    #expect(try await desk.withdraw(id).previous == nil)
  }

  @Test func anIncidentThatResolvedCannotBeAcknowledged() async throws {
    let setup = Setup(start: start)
    #expect(await setup.run(at: 0, from: start) == ["firing[1]"])
    let id = try await setup.incidentID()
    #expect(await setup.run(at: 1, from: start, healthy: true) == ["resolved"])
    let refusal = await #expect(throws: IncidentAcknowledgements.Refusal.self) {
      _ = try await IncidentAcknowledgements(state: setup.state).acknowledge(
        id, with: Acknowledgement(by: "carol", at: start, until: nil, comment: nil, via: "cli"))
    }
    #expect(refusal?.notOpen == true)
    #expect(refusal?.description.contains("no open incident '\(id)'") == true)
  }

  @Test func firingNoticesCarryASignedLinkThatOnlyItsSecretMakes() async throws {
    let secret = "0123456789abcdef0123456789abcdef"
    let links = AckLinks(url: "https://ops.example.com/ack", secret: secret, validFor: 3600)
    let setup = Setup(start: start, links: links)
    #expect(await setup.run(at: 0, from: start) == ["firing[1]"])
    let notice = try #require(setup.notices(since: 0).first)
    let link = try #require(notice.ackURL)
    let query = try #require(link.split(separator: "?").last)
    let fields = FormEncoding.decode(String(query))
    let (incident, expires, sig) = (fields["incident"] ?? "", fields["expires"] ?? "", fields["sig"] ?? "")
    #expect(incident == notice.incidentID)
    #expect(expires == String(Int(start.timeIntervalSince1970) + 3600))
    // The HMAC-SHA256 of "<incident>\n<expires>", computed here with libcrypto directly.
    let expected = Digest.hex(
      Digest.hmac(.sha256, key: Array(secret.utf8), message: Array("\(incident)\n\(expires)".utf8)))
    #expect(sig == expected)
    #expect(notice.facts.contains { $0.name == "acknowledge" && $0.value == link })
    #expect(
      AckLinks.problem(incident: incident, expires: expires, signature: sig, secret: secret, now: start)
        == nil)
    // Another secret, another incident, a later expiry or one changed digit: refused.
    #expect(
      AckLinks.problem(
        incident: incident, expires: expires, signature: sig, secret: secret + "x", now: start)
        == "the link's signature is wrong")
    #expect(
      AckLinks.problem(
        incident: incident + "0", expires: expires, signature: sig, secret: secret, now: start)
        == "the link's signature is wrong")
    #expect(
      AckLinks.problem(
        incident: incident, expires: String((Int(expires) ?? 0) + 60), signature: sig, secret: secret,
        now: start)
        == "the link's signature is wrong")
    #expect(
      AckLinks.problem(
        incident: incident, expires: expires, signature: sig, secret: secret,
        now: start.addingTimeInterval(3600))?.hasPrefix("the link expired at") == true)
  }
}
