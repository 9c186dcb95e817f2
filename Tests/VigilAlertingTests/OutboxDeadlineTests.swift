import Foundation
import TestSupport
import Testing
import VigilCore
import VigilCron

@testable import VigilAlerting
@testable import VigilNet

/// Deliveries end with the invocation's time: a channel that does not answer cannot keep the invocation past
/// its deadline (on a platform, past the instance's end, losing the answer); what it held stays pending.
@Suite struct OutboxDeadlineTests {
  func notification() -> AlertNotification {
    let candidate = AlertCandidate(
      function: "web", check: "http", target: "api", healthy: false, summary: "api is down", facts: [],
      observedAt: Instant())
    return AlertNotification(
      function: "web", requestID: "r",
      notices: [.init(status: .firing, candidate: candidate, incidentID: "i", since: "s")])
  }

  @Test func aDeliveryStillWaitingAtTheDeadlineIsCancelledAndKeptForTheNextRun() async throws {
    let silent = try SilentListener()
    let hook = WebhookChannel(
      name: "hook", url: "http://127.0.0.1:\(silent.port)/alert", secret: nil, transport: CurlHTTPClient())
    let state = InMemoryStateStore()
    let outbox = Outbox(state: state, clock: SystemClock())
    let queued = try await outbox.enqueue(notification(), channels: ["hook"])
    // The delivery runs while the test watches the server: its connection arrives, then the deadline cuts it.
    async let delivering = outbox.deliverDue(
      using: ["hook": hook], logger: .silent, until: Instant().addingTimeInterval(3))
    let connection = await silent.accepted(timeout: 10)
    let report = try await delivering
    #expect(report.delivered.isEmpty && report.failed.isEmpty)
    let retrying = try #require(report.retrying.first)
    #expect(retrying.id == queued.first?.id)
    #expect(retrying.lastError?.contains("had not answered when the invocation's time ran out") == true)
    // The transfer was aborted, not left running to the webhook's own 10 s timeout. (On a machine so loaded
    // that it never connected in 3 s, the cancellation ended it before it did.)
    if connection >= 0 {
      #expect(await SilentListener.closedByClient(connection, timeout: 5))
      close(connection)
    }
    // Still pending, due again at once.
    let pending = try await #require(
      try state.readJSON(OutboxEntry.self, "outbox/pending/\(retrying.id).json"))
    #expect(pending.attempts == 1)
    #expect(pending.nextAttemptAt.timeIntervalSince(Instant()) <= 1)
  }

  @Test func nothingIsStartedAfterTheDeadline() async throws {
    let silent = try SilentListener()
    let hook = WebhookChannel(
      name: "hook", url: "http://127.0.0.1:\(silent.port)/alert", secret: nil, transport: CurlHTTPClient())
    let state = InMemoryStateStore()
    let outbox = Outbox(state: state, clock: SystemClock())
    _ = try await outbox.enqueue(notification(), channels: ["hook"])
    let report = try await outbox.deliverDue(
      using: ["hook": hook], logger: .silent, until: Instant().addingTimeInterval(-1))
    let left = try #require(report.retrying.first)
    #expect(left.attempts == 0 && left.leaseUntil == nil)
    #expect(left.lastError?.contains("the next run sends it") == true)
    #expect(await silent.accepted(timeout: 0.5) == -1, "a delivery was started after the deadline")
  }

  /// The console cannot hold an invocation up: its alert is printed even when the time has run out.
  @Test func theConsoleIsNeverCut() async throws {
    let sink = CapturingSink()
    let console = ConsoleChannel(logger: Logger(sink: sink))
    let outbox = Outbox(state: InMemoryStateStore(), clock: SystemClock())
    _ = try await outbox.enqueue(notification(), channels: ["console"])
    let report = try await outbox.deliverDue(
      using: ["console": console], logger: .silent, until: Instant().addingTimeInterval(-1))
    #expect(report.delivered.count == 1 && report.retrying.isEmpty)
    #expect(sink.records.contains { $0.fields["alert"]?.contains("api is down") == true })
  }
}
