import Dispatch
import Synchronization

/// Fires deadlines from one thread of its own: an invocation's timeout, a race's time limit.
///
/// A timer per invocation (a Dispatch timer source) costs a wake-up of Dispatch's manager thread to arm it
/// and another to cancel it; here a deadline later than the earliest one pending (the usual case: every
/// invocation of a function has the same timeout) wakes nobody, and a cancelled one is dropped when it comes
/// up. The actions run on this thread, never on Swift's cooperative pool, so a pool kept busy by blocking
/// work cannot hold a timeout back; they must be short (resume a continuation).
package final class Deadlines: Sendable {
  /// The process's deadline thread, started on first use.
  package static let shared = Deadlines()

  /// A scheduled deadline, to cancel it: cancelling takes no lock (a busy server schedules and cancels one
  /// per request, from many threads at once).
  package final class Token: Sendable {
    fileprivate let at: UInt64
    /// The action until it runs or is cancelled: a cancelled deadline keeps nothing of its invocation alive
    /// while it waits in the heap.
    private let action: Mutex<(@Sendable () -> Void)?>

    fileprivate init(at: UInt64, action: @escaping @Sendable () -> Void) {
      self.at = at
      self.action = Mutex(action)
    }

    /// The action, taken: nil once it ran or was cancelled.
    fileprivate func take() -> (@Sendable () -> Void)? {
      action.withLock { action in
        defer { action = nil }
        return action
      }
    }

    fileprivate var isDone: Bool { action.withLock { $0 == nil } }
  }

  private struct State {
    /// Pending deadlines, a binary min-heap by `at` (cancelled ones stay until they come up).
    var heap: [Token] = []
    /// When the thread wakes next by itself (`UInt64.max`: only when signalled).
    var wakesAt = UInt64.max
    var started = false
  }

  private let state = Mutex(State())
  /// Cancelled entries still in the heap (an estimate, kept without the lock: the heap is rebuilt without them
  /// when they are most of it).
  private let cancelled = Atomic(0)
  private let wake = DispatchSemaphore(value: 0)

  package init() {}

  /// Runs `action` once `seconds` have passed (on the monotonic clock), unless cancelled first.
  @discardableResult
  package func schedule(after seconds: Double, _ action: @escaping @Sendable () -> Void) -> Token {
    let now = DispatchTime.now().uptimeNanoseconds
    let delay = min(max(seconds, 0), 366 * 86_400).clampedNanoseconds
    let at = now &+ delay
    let token = Token(at: at, action: action)
    let (signal, start) = state.withLock { state -> (Bool, Bool) in
      if state.heap.count >= 4096 && cancelled.load(ordering: .relaxed) * 2 > state.heap.count {
        state.heap.removeAll { $0.isDone }
        state.heap.sort { $0.at < $1.at }  // a sorted array is a valid heap
        cancelled.store(0, ordering: .relaxed)
      }
      Self.push(token, into: &state.heap)
      let signal = at < state.wakesAt
      if signal { state.wakesAt = at }
      let start = !state.started
      state.started = true
      return (signal, start)
    }
    if start { NativeThread.start { [self] in loop() } }
    if signal { wake.signal() }
    return token
  }

  /// Entries in the heap, live or cancelled and not yet dropped (for tests).
  package var waiting: Int { state.withLock { $0.heap.count } }

  /// Drops the deadline; its action will not run (unless it is running already).
  package func cancel(_ token: Token) {
    if token.take() != nil { cancelled.add(1, ordering: .relaxed) }
  }

  private func loop() {
    while true {
      let now = DispatchTime.now().uptimeNanoseconds
      var due: [Token] = []
      let next = state.withLock { state -> UInt64 in
        while let top = state.heap.first, top.at <= now || top.isDone {
          Self.popFirst(from: &state.heap)
          if top.isDone {
            cancelled.subtract(1, ordering: .relaxed)
          } else {
            due.append(top)
          }
        }
        state.wakesAt = state.heap.first?.at ?? .max
        return state.wakesAt
      }
      for token in due { token.take()?() }
      if next == .max {
        wake.wait()
      } else {
        _ = wake.wait(timeout: DispatchTime(uptimeNanoseconds: next))
      }
    }
  }

  private static func push(_ entry: Token, into heap: inout [Token]) {
    heap.append(entry)
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard heap[child].at < heap[parent].at else { break }
      heap.swapAt(child, parent)
      child = parent
    }
  }

  private static func popFirst(from heap: inout [Token]) {
    guard heap.count > 1 else {
      heap.removeAll(keepingCapacity: true)
      return
    }
    heap[0] = heap.removeLast()
    var parent = 0
    while true {
      let left = 2 * parent + 1
      let right = left + 1
      var smallest = parent
      if left < heap.count, heap[left].at < heap[smallest].at { smallest = left }
      if right < heap.count, heap[right].at < heap[smallest].at { smallest = right }
      if smallest == parent { return }
      heap.swapAt(parent, smallest)
      parent = smallest
    }
  }
}
