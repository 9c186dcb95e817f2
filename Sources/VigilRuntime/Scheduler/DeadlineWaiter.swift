#if canImport(Glibc)
  import Glibc
#endif

/// Sleeps until an absolute wall-clock instant (CLOCK_REALTIME, so a time set forward wakes it), and wakes at
/// once when stopped.
final class DeadlineWaiter: @unchecked Sendable {
  // Safe: the mutex and condition are only used through pthread calls, which are thread-safe; `stopped` is
  // only read and written while holding the mutex.
  private var mutex = pthread_mutex_t()
  private var condition = pthread_cond_t()
  private var stopped = false

  init() {
    pthread_mutex_init(&mutex, nil)
    pthread_cond_init(&condition, nil)  // default clock: CLOCK_REALTIME
  }

  deinit {
    pthread_cond_destroy(&condition)
    pthread_mutex_destroy(&mutex)
  }

  /// Waits until `instant` (seconds since the epoch) or a stop; returns false once stopped.
  func wait(until instant: Double) -> Bool {
    var deadline = timespec()
    deadline.tv_sec = Int(instant.rounded(.down))
    deadline.tv_nsec = Int((instant - instant.rounded(.down)) * 1_000_000_000)
    pthread_mutex_lock(&mutex)
    defer { pthread_mutex_unlock(&mutex) }
    while !stopped {
      if pthread_cond_timedwait(&condition, &mutex, &deadline) == ETIMEDOUT { break }
    }
    return !stopped
  }

  /// Wakes the waiter for good.
  func stop() {
    pthread_mutex_lock(&mutex)
    stopped = true
    pthread_cond_broadcast(&condition)
    pthread_mutex_unlock(&mutex)
  }

  var isStopped: Bool {
    pthread_mutex_lock(&mutex)
    defer { pthread_mutex_unlock(&mutex) }
    return stopped
  }

  /// The current wall-clock time with nanosecond resolution.
  static func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1_000_000_000
  }
}
