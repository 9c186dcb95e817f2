import Dispatch

#if canImport(Glibc)
  import Glibc
#endif

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

  /// Short blocking work (a small file's read or write, no fsync): run here when this thread may block (a
  /// handler's own queue, a `vigil serve` connection's thread), which saves two thread switches; otherwise
  /// as `run`.
  package static func runShort<T: Sendable>(_ label: String, _ body: @escaping @Sendable () -> T) async -> T {
    if mayBlockHere { return body() }
    return await run(label, body)
  }

  /// Whether the current thread is one of those marked by ``markingMayBlock(_:)``.
  package static var mayBlockHere: Bool { pthread_getspecific(mayBlockKey) != nil }

  /// Runs `body` with the current thread marked as one that may block: a thread of its own or a serial queue
  /// that serves one invocation, never Swift's cooperative pool.
  package static func markingMayBlock<T>(_ body: () throws -> T) rethrows -> T {
    let outer = pthread_getspecific(mayBlockKey)
    pthread_setspecific(mayBlockKey, UnsafeRawPointer(bitPattern: 1))
    defer { pthread_setspecific(mayBlockKey, outer) }
    return try body()
  }

  private static let mayBlockKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
  }()
}
