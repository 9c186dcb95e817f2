import Synchronization

/// The folder store's stripes as held in this process: a writer waits its turn here, as a suspended task,
/// before it takes the stripe's `flock`, so writers in one process never poll the lock file for each other
/// (the `flock` then only ever waits for another process). Turns are first come, first served.
package final class StripeQueue: Sendable {
  private struct Stripe {
    var waiting: [CheckedContinuation<Void, Never>] = []
  }
  /// The stripes held now, each with the writers waiting for it.
  private let held = Mutex<[UInt64: Stripe]>([:])

  package init() {}

  /// Returns when this caller holds `stripe`; `leave` hands it to the next.
  package func enter(_ stripe: UInt64) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let free = held.withLock { held -> Bool in
        guard held[stripe] != nil else {
          held[stripe] = Stripe()
          return true
        }
        held[stripe, default: Stripe()].waiting.append(continuation)
        return false
      }
      if free { continuation.resume() }
    }
  }

  /// Gives `stripe` to the writer that waited longest, or frees it.
  package func leave(_ stripe: UInt64) {
    let next = held.withLock { held -> CheckedContinuation<Void, Never>? in
      guard var entry = held[stripe], !entry.waiting.isEmpty else {
        held[stripe] = nil
        return nil
      }
      let first = entry.waiting.removeFirst()
      held[stripe] = entry
      return first
    }
    next?.resume()
  }
}
