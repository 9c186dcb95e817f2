import Foundation
import Synchronization
import TestSupport
import Testing
import VigilCore
import VigilCron
import VigilNet

@testable import VigilAlerting

@Suite(.serialized) struct OutboxTests {
  let start = Instant(timeIntervalSince1970: 1_767_225_600)

  func notification(_ target: String = "api", requestID: String = UUID().uuidString) -> AlertNotification {
    let candidate = AlertCandidate(
      function: "web", check: "http", target: target, healthy: false,
      summary: "\(target) is down: status 500", facts: [.init("status", "500")], observedAt: start)
    return AlertNotification(
      function: "web", requestID: requestID,
      notices: [
        .init(
          status: .firing, candidate: candidate, incidentID: "inc-1-abc", since: "2026-01-01T00:00:00+00:00")
      ])
  }

  func webhook(_ scenario: String, _ tag: String) async throws -> WebhookChannel {
    WebhookChannel(
      name: "hook", url: try await WebhookTestPeer.base() + "/hook/\(scenario)/\(tag)",
      secret: WebhookTestPeer.secret, transport: CurlHTTPClient())
  }

  @Test func deliversASignedAlertmanagerPayloadOnce() async throws {
    let tag = UUID().uuidString
    let state = InMemoryStateStore()
    let outbox = Outbox(state: state, clock: ManualClock(start))
    let sent = try await outbox.enqueue(notification(), channels: ["hook"])
    await #expect(try state.keys(prefix: "outbox/pending/").count == 1)
    let report = try await outbox.deliverDue(using: ["hook": try await webhook("ok", tag)], logger: .silent)
    #expect(report.delivered.map(\.id) == sent.map(\.id))
    await #expect(try state.keys(prefix: "outbox/pending/").isEmpty)
    await #expect(try state.keys(prefix: "outbox/delivered/").count == 1)
    let received = try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)")
    #expect(received.count == 1)
    #expect(received.first?["signature_valid"] as? Bool == true)
    let headers = received.first?["headers"] as? [String: String]
    // The reference's webhook headers: a delivery id that is a UUID, the event, the time it was sent, who sent it.
    let delivery = try #require(headers?["x-vigil-delivery"])
    #expect(UUID(uuidString: delivery) != nil, "\(delivery)")
    #expect(headers?["x-vigil-event"] == "alert.firing")
    #expect(headers?["user-agent"]?.hasPrefix("Vigil/") == true)
    let stamp = try #require(Double(headers?["x-vigil-timestamp"] ?? ""))
    #expect(abs(stamp - Instant().timeIntervalSince1970) < 300)
    #expect(headers?["idempotency-key"] == nil)
    let payload =
      try JSONSerialization.jsonObject(with: Data(((received.first?["body"] as? String) ?? "").utf8))
      as? [String: Any]
    #expect(payload?["version"] as? String == "4")
    #expect(payload?["status"] as? String == "firing")
    let alert = (payload?["alerts"] as? [[String: Any]])?.first
    #expect((alert?["labels"] as? [String: String])?["target"] == "api")
    #expect(alert?["fingerprint"] as? String == "inc-1-abc")
    // Nothing is left to send: a second round sends nothing.
    #expect(
      try await outbox.deliverDue(using: ["hook": try await webhook("ok", tag)], logger: .silent).delivered
        .isEmpty)
    #expect(try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)").count == 1)
  }

  @Test func retryableFailureIsKeptAndRetriedWithBackoff() async throws {
    let tag = UUID().uuidString
    let state = InMemoryStateStore()
    let clock = ManualClock(start)
    let outbox = Outbox(state: state, clock: clock)
    let sink = CapturingSink(redactor: Redactor())
    let channel = try await webhook("fail-once", tag)
    try await outbox.enqueue(notification(), channels: ["hook"])
    let first = try await outbox.deliverDue(using: ["hook": channel], logger: Logger(sink: sink))
    #expect(first.retrying.count == 1)
    #expect(first.retrying.first?.nextAttemptAt == start.addingTimeInterval(30))
    #expect(first.retrying.first?.lastError?.contains("HTTP 503") == true)
    #expect(
      sink.records.contains {
        $0.level == .warning && $0.message.hasPrefix("alert delivery failed; kept in the outbox")
      })
    // Not yet due: nothing is sent.
    clock.advance(seconds: 10)
    #expect(try await outbox.deliverDue(using: ["hook": channel], logger: .silent).delivered.isEmpty)
    clock.advance(seconds: 25)
    let second = try await outbox.deliverDue(using: ["hook": channel], logger: .silent)
    #expect(second.delivered.count == 1)
    #expect(second.delivered.first?.attempts == 2)
    let received = try await WebhookTestPeer.requests(prefix: "/hook/fail-once/\(tag)")
    #expect(received.map { $0["status"] as? Int } == [503, 200])
    // The same delivery id on both attempts, so a receiver can drop the repeat.
    let ids = received.compactMap { ($0["headers"] as? [String: String])?["x-vigil-delivery"] }
    #expect(ids.count == 2)
    #expect(Set(ids).count == 1)
  }

  @Test func backoffDoublesAndRateLimitsAreRetryable() async throws {
    let tag = UUID().uuidString
    let clock = ManualClock(start)
    let outbox = Outbox(state: InMemoryStateStore(), clock: clock)
    let channel = try await webhook("429", tag)
    try await outbox.enqueue(notification(), channels: ["hook"])
    var delays: [Double] = []
    for _ in 0..<4 {
      let report = try await outbox.deliverDue(using: ["hook": channel], logger: .silent)
      guard let entry = report.retrying.first else {
        Issue.record("expected a retry")
        return
      }
      #expect(entry.lastError?.contains("Retry-After: 7") == true)
      delays.append(entry.nextAttemptAt.timeIntervalSince(clock.now))
      clock.set(entry.nextAttemptAt)
    }
    #expect(delays == [30, 60, 120, 240])
  }

  @Test func permanentRefusalIsReportedAndNotRetried() async throws {
    let tag = UUID().uuidString
    let state = InMemoryStateStore()
    let clock = ManualClock(start)
    let outbox = Outbox(state: state, clock: clock)
    let sink = CapturingSink(redactor: Redactor())
    try await outbox.enqueue(notification(), channels: ["hook", "missing"])
    let report = try await outbox.deliverDue(
      using: ["hook": try await webhook("400", tag)], logger: Logger(sink: sink))
    #expect(report.failed.count == 2)
    #expect(
      Set(
        report.failed.compactMap(\.lastError).map {
          $0.contains("HTTP 400") || $0.contains("no channel named 'missing'")
        }) == [true])
    await #expect(try state.keys(prefix: "outbox/failed/").count == 2)
    await #expect(try state.keys(prefix: "outbox/pending/").isEmpty)
    #expect(
      sink.records.filter { $0.level == .error && $0.message.hasPrefix("ALERT NOT DELIVERED") }.count == 2)
    clock.advance(seconds: 3600)
    _ = try await outbox.deliverDue(using: ["hook": try await webhook("400", tag)], logger: .silent)
    #expect(try await WebhookTestPeer.requests(prefix: "/hook/400/\(tag)").count == 1)
  }

  @Test func undeliverableEntriesExpireLoudly() async throws {
    let tag = UUID().uuidString
    let state = InMemoryStateStore()
    let clock = ManualClock(start)
    let outbox = Outbox(state: state, clock: clock)
    let sink = CapturingSink(redactor: Redactor())
    try await outbox.enqueue(notification(), channels: ["hook"])
    let channel = try await webhook("always-503", tag)
    _ = try await outbox.deliverDue(using: ["hook": channel], logger: .silent)
    clock.advance(seconds: 86_401)
    let report = try await outbox.deliverDue(using: ["hook": channel], logger: Logger(sink: sink))
    #expect(
      report.failed.first?.lastError?.hasPrefix("expired undelivered after 86400 s and 1 attempts") == true)
    #expect(sink.records.contains { $0.message == "ALERT NOT DELIVERED: outbox entry expired" })
  }

  /// Two senders on one state folder at once: the lease lets exactly one send each entry.
  @Test func concurrentSendersDeliverEachEntryOnce() async throws {
    let tag = UUID().uuidString
    let folder = NSTemporaryDirectory() + "vigil-outbox-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let clock = ManualClock(start)
    let outbox = Outbox(state: try FileStateStore(root: folder), clock: clock)
    for index in 0..<10 { try await outbox.enqueue(notification("t\(index)"), channels: ["hook"]) }
    let channel = try await webhook("ok", tag)
    async let first = Outbox(state: try FileStateStore(root: folder), clock: clock).deliverDue(
      using: ["hook": channel], logger: .silent)
    async let second = Outbox(state: try FileStateStore(root: folder), clock: clock).deliverDue(
      using: ["hook": channel], logger: .silent)
    let reports = try await [first, second]
    #expect(reports.map(\.delivered.count).reduce(0, +) == 10)
    #expect(try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)").count == 10)
  }
}

/// Records what it is asked to deliver.
final class RecordingChannel: Channel {
  let name = "recording"
  let sent = Mutex<[AlertNotification]>([])

  func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    sent.withLock { $0.append(notification) }
  }
}

@Suite(.serialized) struct FallbackChainTests {
  @Test func permanentRefusalAndPersistentFailureMoveDownTheChain() async throws {
    let tag = UUID().uuidString
    let base = try await WebhookTestPeer.base()
    let clock = ManualClock(Instant(timeIntervalSince1970: 1_767_225_600))
    let state = InMemoryStateStore()
    let outbox = Outbox(state: state, clock: clock)
    let refusing = WebhookChannel(
      name: "wecom", url: base + "/hook/400/\(tag)", secret: nil, transport: CurlHTTPClient())
    let flaky = WebhookChannel(
      name: "dingtalk", url: base + "/hook/always-503/\(tag)", secret: nil, transport: CurlHTTPClient())
    let last = WebhookChannel(
      name: "mail", url: base + "/hook/ok/\(tag)", secret: nil, transport: CurlHTTPClient())
    let channels: [String: any Channel] = ["wecom": refusing, "dingtalk": flaky, "mail": last]
    let candidate = AlertCandidate(
      function: "f", check: "c", target: "t", healthy: false, summary: "down", facts: [],
      observedAt: clock.now)
    try await outbox.enqueue(
      AlertNotification(
        function: "f", requestID: "r1",
        notices: [.init(status: .firing, candidate: candidate, incidentID: "i", since: "s")]),
      channels: ["wecom"], fallbacks: ["dingtalk", "mail"])
    // wecom refuses (400): the notification moves to dingtalk at once.
    _ = try await outbox.deliverDue(using: channels, logger: .silent)
    // dingtalk keeps answering 503: after three attempts it moves to mail, which delivers.
    for _ in 0..<4 {
      clock.advance(seconds: 3600)
      _ = try await outbox.deliverDue(using: channels, logger: .silent)
    }
    #expect(try await WebhookTestPeer.requests(prefix: "/hook/400/\(tag)").count == 1)
    #expect(try await WebhookTestPeer.requests(prefix: "/hook/always-503/\(tag)").count == 3)
    #expect(try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)").count == 1)
    await #expect(try state.keys(prefix: "outbox/pending/").isEmpty)
    await #expect(try state.keys(prefix: "outbox/failed/").count == 2)
  }
}
