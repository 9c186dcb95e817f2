import Dispatch
import VigilCore

/// Runs a handler's jobs on a Dispatch queue of its own instead of Swift's shared cooperative pool.
///
/// A handler that blocks its thread (a synchronous library call, a busy loop) then blocks only this queue's
/// thread: the runtime's own work, which must resume promptly to report a timeout, keeps the shared pool.
/// On a one-vCPU function the pool has a single thread, so without this a blocking handler could hold the
/// timeout off until it returned.
final class HandlerExecutor: TaskExecutor {
  private let queue: DispatchQueue

  init(label: String) {
    // A serial queue targets the overcommit root queue, so it gets a thread even when every other is busy.
    queue = DispatchQueue(label: label)
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    let executor = asUnownedTaskExecutor()
    // This queue serves one handler: its jobs may block it (short file work runs here, not on another thread).
    queue.async { BlockingWork.markingMayBlock { job.runSynchronously(on: executor) } }
  }
}
