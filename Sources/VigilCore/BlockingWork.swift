import Dispatch

/// Runs blocking work (a socket read, an SMTP session) off Swift's cooperative pool, on a serial queue of its own.
///
/// `DispatchQueue.global()` is not used: on Linux its worker threads are capped near the core count, so a few
/// blocked calls there could hold up everything else queued on it, the invocation-timeout timer included.
/// A serial queue targets the overcommit root queue and always gets a thread.
package enum BlockingWork {
  package static func run<T: Sendable>(_ label: String, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
      DispatchQueue(label: label).async { continuation.resume(returning: body()) }
    }
  }
}
