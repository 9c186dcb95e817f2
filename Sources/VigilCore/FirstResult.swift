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
  /// cancelled and not awaited. The time limit is kept by ``Deadlines`` (its own thread: it fires even when
  /// every thread of the cooperative pool is busy), dropped as soon as the race ends, so nothing is kept alive
  /// until it would have fired. `executor`, when given, runs the operation (a handler's own queue).
  package static func within(
    _ seconds: Double, on executor: (any TaskExecutor)? = nil,
    operation: @escaping @Sendable () async -> Value,
    timedOut: @escaping @Sendable () -> Value
  ) async -> Value {
    let race = FirstResult<Value>()
    var deadline: Deadlines.Token?
    let value = await withCheckedContinuation { continuation in
      race.begin(continuation)
      race.add(Task(executorPreference: executor) { race.finish(await operation()) })
      deadline = Deadlines.shared.schedule(after: seconds) { race.finish(timedOut()) }
    }
    if let deadline { Deadlines.shared.cancel(deadline) }
    race.cancelAll()
    return value
  }
}
