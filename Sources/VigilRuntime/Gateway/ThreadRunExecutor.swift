import Dispatch
import Synchronization
import VigilCore

/// Runs a task's jobs on the thread that waits for it: a `vigil serve` connection's thread runs the request's
/// own code itself instead of handing it to Swift's cooperative pool and sleeping until the pool hands the
/// answer back (two thread switches a request saved). The handler still runs on its own queue, so the
/// invocation's timeout still cuts a handler that blocks.
///
/// Jobs that arrive after ``runUntilFinished()`` returned (a child task that outlives the request) run on a
/// Dispatch queue instead, never lost.
final class ThreadRunExecutor: TaskExecutor {
  private struct State {
    var jobs: [UnownedJob] = []
    var finished = false
    /// Whether the waiting thread still takes jobs.
    var draining = true
  }

  private let state = Mutex(State())
  private let signal = DispatchSemaphore(value: 0)

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    let here = state.withLock { state -> Bool in
      guard state.draining else { return false }
      state.jobs.append(job)
      return true
    }
    if here {
      signal.signal()
    } else {
      let executor = asUnownedTaskExecutor()
      DispatchQueue(label: "vigil.serve.late-job").async { job.runSynchronously(on: executor) }
    }
  }

  /// The task is done: the waiting thread returns once it has run what is queued.
  func finish() {
    state.withLock { $0.finished = true }
    signal.signal()
  }

  /// Runs jobs on this thread as they come until ``finish()``. The thread is marked as one that may block
  /// (it serves this one request).
  func runUntilFinished() {
    let executor = asUnownedTaskExecutor()
    BlockingWork.markingMayBlock {
      while true {
        let (batch, done) = state.withLock { state -> ([UnownedJob], Bool) in
          let batch = state.jobs
          state.jobs = []
          if state.finished && batch.isEmpty { state.draining = false }
          return (batch, !state.draining)
        }
        if done { return }
        for job in batch { job.runSynchronously(on: executor) }
        if batch.isEmpty { signal.wait() }
      }
    }
  }
}
