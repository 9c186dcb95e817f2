import Dispatch
import Synchronization

/// Resumes a continuation with whichever task finishes first, once; then the others are cancelled.
package final class FirstResult<Value: Sendable>: Sendable {
  private struct State {
    var continuation: CheckedContinuation<Value, Never>?
    var tasks: [Task<Void, Never>] = []
  }
  private let state = Mutex(State())

  package init() {}

  package func begin(_ continuation: CheckedContinuation<Value, Never>) {
    state.withLock { $0.continuation = continuation }
  }

  package func add(_ task: Task<Void, Never>) {
    state.withLock { $0.tasks.append(task) }
  }

  package func finish(_ value: Value) {
    let continuation = state.withLock { state -> CheckedContinuation<Value, Never>? in
      defer { state.continuation = nil }
      return state.continuation
    }
    continuation?.resume(returning: value)
  }

  package func cancelAll() {
    for task in state.withLock({ $0.tasks }) { task.cancel() }
  }
}

extension FirstResult {
  /// `operation`'s value, or `timedOut()` once `seconds` have passed, whichever comes first; the loser is
  /// cancelled and not awaited. The timer is a Dispatch timer source (it fires even when every thread of the
  /// cooperative pool is busy), cancelled as soon as the race ends, so nothing is kept alive until it would
  /// have fired.
  package static func within(
    _ seconds: Double, label: String, operation: @escaping @Sendable () async -> Value,
    timedOut: @escaping @Sendable () -> Value
  ) async -> Value {
    let race = FirstResult<Value>()
    let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: label))
    let value = await withCheckedContinuation { continuation in
      race.begin(continuation)
      race.add(Task { race.finish(await operation()) })
      timer.setEventHandler { race.finish(timedOut()) }
      timer.schedule(
        deadline: .now() + .nanoseconds(Int(clamping: min(seconds, 366 * 86_400).clampedNanoseconds)))
      timer.resume()
    }
    timer.cancel()
    race.cancelAll()
    return value
  }
}
