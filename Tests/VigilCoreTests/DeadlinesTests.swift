import Dispatch
import Synchronization
import Testing

@testable import VigilCore

/// The deadline thread: each deadline fires once, in time order, unless cancelled; a deadline sooner than the
/// one the thread sleeps for wakes it; cancelled deadlines do not pile up.
@Suite struct DeadlinesTests {
  /// Names of the deadlines that fired, in order.
  final class Fired: Sendable {
    private let names = Mutex<[String]>([])
    private let signal = DispatchSemaphore(value: 0)
    var all: [String] { names.withLock { $0 } }
    func record(_ name: String) {
      names.withLock { $0.append(name) }
      signal.signal()
    }
    /// Waits (at most 30 s) for the next deadline to fire.
    func next() -> Bool { signal.wait(timeout: .now() + 30) == .success }
  }

  @Test func aSoonerDeadlineWakesTheThreadAndACancelledOneNeverFires() {
    let deadlines = Deadlines()
    let fired = Fired()
    // The thread sleeps for the hour; the later, shorter deadlines must wake it.
    let hour = deadlines.schedule(after: 3600) { fired.record("hour") }
    let cancelled = deadlines.schedule(after: 0.01) { fired.record("cancelled") }
    deadlines.cancel(cancelled)
    deadlines.schedule(after: 0.05) { fired.record("second") }
    deadlines.schedule(after: 0.02) { fired.record("first") }
    #expect(fired.next())
    #expect(fired.next())
    // Both fired, in time order; the cancelled one, due before both, never did.
    #expect(fired.all == ["first", "second"])
    deadlines.cancel(hour)
    deadlines.cancel(hour)
  }

  @Test func aDeadlineCancelledAfterItFiredChangesNothing() {
    let deadlines = Deadlines()
    let fired = Fired()
    let token = deadlines.schedule(after: 0) { fired.record("now") }
    #expect(fired.next())
    deadlines.cancel(token)
    deadlines.schedule(after: 0.01) { fired.record("later") }
    #expect(fired.next())
    #expect(fired.all == ["now", "later"])
  }

  @Test func cancelledDeadlinesDoNotPileUp() {
    let deadlines = Deadlines()
    // A busy server: thousands of invocations, each with a long timeout, each done (cancelled) at once.
    for _ in 0..<10_000 {
      deadlines.cancel(deadlines.schedule(after: 3600) {})
    }
    // Whenever cancelled entries are most of a large heap, the next schedule drops them.
    #expect(deadlines.waiting < 4096 + 1, "\(deadlines.waiting) entries kept for 0 live deadlines")
  }
}
