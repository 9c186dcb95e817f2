import Foundation
import Synchronization
import Testing
import VigilCore

@testable import VigilAlerting

final class RecordingChannel: Channel {
  let name = "recording"
  let sent = Mutex<[AlertNotification]>([])
  let failWith: ChannelError?

  init(failWith: ChannelError? = nil) { self.failWith = failWith }

  func deliver(_ notification: AlertNotification) async throws(ChannelError) {
    if let failWith { throw failWith }
    sent.withLock { $0.append(notification) }
  }
}

@Suite struct AlertRouterTests {
  func candidate(_ target: String, healthy: Bool, at clock: ManualClock) -> AlertCandidate {
    AlertCandidate(
      function: "web", check: "http", target: target, healthy: healthy,
      summary: "\(target) \(healthy ? "up" : "down")", facts: [.init("status", healthy ? "200" : "500")],
      observedAt: clock.now)
  }

  @Test func firesOnceOnFailureAndResolvesOnRecovery() async throws {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_767_225_600))
    let state = InMemoryStateStore()
    let channel = RecordingChannel()
    let router = AlertRouter(channels: [channel], state: state, clock: clock)
    // Healthy first sighting: nothing to say.
    #expect(
      try await router.route(
        [candidate("a", healthy: true, at: clock)], function: "web", requestID: "r1", logger: .silent) == nil)
    // Two targets fail: one grouped message.
    clock.advance(seconds: 60)
    let first = try await router.route(
      [candidate("a", healthy: false, at: clock), candidate("b", healthy: false, at: clock)], function: "web",
      requestID: "r2", logger: .silent)
    #expect(first?.notices.map(\.status) == [.firing, .firing])
    #expect(first?.title == "[vigil] web: 2 firing")
    // Still failing: no repeat.
    clock.advance(seconds: 60)
    #expect(
      try await router.route(
        [candidate("a", healthy: false, at: clock), candidate("b", healthy: false, at: clock)],
        function: "web", requestID: "r3", logger: .silent) == nil)
    // One recovers: a resolved notice with the original incident and start.
    clock.advance(seconds: 60)
    let resolved = try await router.route(
      [candidate("a", healthy: true, at: clock), candidate("b", healthy: false, at: clock)], function: "web",
      requestID: "r4", logger: .silent)
    #expect(resolved?.notices.map(\.status) == [.resolved])
    #expect(resolved?.notices.first?.incidentID == first?.notices.first?.incidentID)
    #expect(resolved?.notices.first?.since == "2026-01-01T00:01:00+00:00")
    #expect(channel.sent.withLock { $0.count } == 2)
    #expect(try state.keys(prefix: "alerts/history/").count == 2)
    #expect(resolved?.text.contains("RESOLVED [critical] a up") == true)
  }

  @Test func failedDeliveryKeepsTheNotificationInState() async throws {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_767_225_600))
    let state = InMemoryStateStore()
    let sink = CapturingSink(redactor: Redactor())
    let router = AlertRouter(
      channels: [RecordingChannel(failWith: .retryable("HTTP 503"))], state: state, clock: clock)
    let sent = try await router.route(
      [candidate("a", healthy: false, at: clock)], function: "web", requestID: "r1",
      logger: Logger(sink: sink))
    #expect(sent != nil)
    #expect(try state.keys(prefix: "alerts/history/").count == 1)
    #expect(sink.records.contains { $0.level == .error && $0.fields["error"] == "retryable: HTTP 503" })
  }
}
