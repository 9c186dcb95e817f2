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
