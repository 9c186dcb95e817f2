import CSpawn
import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Group commit for a state folder: many writers share each `syncfs` of the folder's filesystem instead of
/// each paying its own fsyncs.
///
/// Writers hand over staged writes (bytes in a temporary file, the key's lock held) and wait. Rounds run one
/// at a time on a thread of their own, started as soon as someone waits: a round takes every write waiting,
/// flushes (their bytes are durable), renames each into place and unlocks it, flushes again (the renames are
/// durable), and only then answers them all. Writes that arrive during a round wait for the next. A failed
/// flush fails every write it was to cover, with their bytes removed and the old records in place.
package final class GroupSync: Sendable {
  /// Flushes the filesystem: 0, or -1 with `errno` set.
  package typealias Flush = @Sendable () -> Int32

  /// A write waiting for a round: its bytes are in a temporary file; `install` renames them into place.
  package struct Staged: Sendable {
    /// Renames the synced bytes over the key (throws why not).
    package var install: @Sendable () throws -> Void
    /// Lets other writers of the key go on (after the rename, or after a failure).
    package var unlock: @Sendable () -> Void
    /// Removes the bytes (their sync or rename failed).
    package var abandon: @Sendable () -> Void

    package init(
      install: @escaping @Sendable () throws -> Void, unlock: @escaping @Sendable () -> Void,
      abandon: @escaping @Sendable () -> Void
    ) {
      self.install = install
      self.unlock = unlock
      self.abandon = abandon
    }
  }

  private struct Waiter {
    var staged: Staged
    var continuation: CheckedContinuation<Void, any Error>
  }

  private struct Progress {
    var running = false
    var waiters: [Waiter] = []
    /// Callers in the running round.
    var inRound = 0
    /// Flushes finished, and callers released (for tests and the bench).
    var flushes: UInt64 = 0
    var covered: UInt64 = 0
  }

  private let progress = Mutex(Progress())
  private let flush: Flush
  private let describe: String
  private let queue = DispatchQueue(label: "vigil.state.group-sync")
  /// The folder kept open for `syncfs`; owned here, closed when this goes.
  private let folder: FileDescriptor?

  /// Group commit for the filesystem holding `root`.
  package init(root: String) throws {
    let descriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw StateError("cannot open the state folder \(root) to sync it: \(String(cString: strerror(errno)))")
    }
    let folder = FileDescriptor(descriptor)
    self.folder = folder
    self.describe = root
    self.flush = { vigil_syncfs(folder.raw) }
  }

  /// Group commit with its own flush (tests hold it to force callers to overlap).
  package init(describing name: String, flush: @escaping Flush) {
    self.folder = nil
    self.describe = name
    self.flush = flush
  }

  /// Callers not yet released: in the running round or waiting for the next.
  package var pending: Int { progress.withLock { $0.waiters.count + $0.inRound } }

  /// Flushes finished so far, and how many callers they released in all.
  package var counts: (syncs: UInt64, callers: UInt64) {
    progress.withLock { ($0.flushes, $0.covered) }
  }

  /// Makes a staged write durable and in place: one flush for its bytes (shared with every caller of the
  /// round), its rename, its unlock, one flush for the renames. Returns when both flushes are done; throws,
  /// with the bytes removed and the old record in place, if either failed.
  package func commit(_ staged: Staged) async throws {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
      let start = progress.withLock { state -> Bool in
        // A round already running took its callers when it began: this one waits for the next.
        state.waiters.append(Waiter(staged: staged, continuation: continuation))
        guard !state.running else { return false }
        state.running = true
        return true
      }
      if start { queue.async { [self] in round() } }
    }
  }

  /// One round on the sync thread: takes every caller waiting, flushes, installs the staged writes, flushes
  /// again, releases them; then the next round if more came meanwhile.
  private func round() {
    while true {
      let batch = progress.withLock { state -> [Waiter] in
        defer { state.waiters = [] }
        state.inRound = state.waiters.count
        return state.waiters
      }
      var failure = flushed()
      var problems: [String?] = Array(repeating: failure, count: batch.count)
      if failure == nil {
        var installed = false
        for (index, waiter) in batch.enumerated() {
          let staged = waiter.staged
          do {
            try staged.install()
            installed = true
          } catch {
            problems[index] = "\(error)"
            staged.abandon()
          }
          staged.unlock()
        }
        if installed {
          failure = flushed()
          if let failure {
            for index in batch.indices where problems[index] == nil {
              problems[index] = failure
            }
          }
        }
      } else {
        for waiter in batch {
          waiter.staged.abandon()
          waiter.staged.unlock()
        }
      }
      let more = progress.withLock { state -> Bool in
        state.covered += UInt64(batch.count)
        state.inRound = 0
        if state.waiters.isEmpty { state.running = false }
        return state.running
      }
      for (waiter, problem) in zip(batch, problems) {
        if let problem {
          waiter.continuation.resume(throwing: StateError(problem))
        } else {
          waiter.continuation.resume()
        }
      }
      if !more { return }
    }
  }

  /// Flushes once: nil, or what went wrong.
  private func flushed() -> String? {
    let result = flush()
    let failure = result == 0 ? nil : String(cString: strerror(errno))
    progress.withLock { $0.flushes += 1 }
    return failure.map { "cannot make the writes in \(describe) durable (syncfs): \($0)" }
  }
}
