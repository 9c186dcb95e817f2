import Synchronization
import VigilCron

/// Where handlers, policies and schedulers read the time: injected so tests run on a manual clock.
public protocol WallClock: Sendable {
  /// The current instant.
  var now: Instant { get }
  /// Suspends for `seconds` (cancellable).
  func sleep(seconds: Double) async throws
}

/// The real clock.
public struct SystemClock: WallClock {
  /// The system clock.
  public init() {}
  /// Now.
  public var now: Instant { Instant() }
  /// Sleeps `seconds`, ending early when the task is cancelled.
  public func sleep(seconds: Double) async throws {
    guard seconds > 0 else { return }
    try await Task.sleep(nanoseconds: seconds.clampedNanoseconds)
  }
}

/// A clock that moves only when told to; `sleep` advances it at once.
public final class ManualClock: WallClock {
  private let current: Mutex<Instant>

  /// A clock that stands at `start` until moved.
  public init(_ start: Instant) { current = Mutex(start) }

  /// The clock's current time.
  public var now: Instant { current.withLock { $0 } }

  /// Moves the clock forward.
  public func advance(seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }

  /// Sets the clock.
  public func set(_ date: Instant) { current.withLock { $0 = date } }

  /// Returns at once, moving the clock on by `seconds`.
  public func sleep(seconds: Double) async throws {
    try Task.checkCancellation()
    advance(seconds: seconds)
  }
}
