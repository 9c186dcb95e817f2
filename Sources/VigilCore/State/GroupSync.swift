import CSpawn
import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Group commit for a state folder: many writers share each `syncfs` of the folder's filesystem instead of
/// each paying its own fsyncs.
///
/// `syncfs`, not each round's own files: measured with bench/serve-heartbeats (2026-12-07, 2 cores, ext4), an
/// `fdatasync` per write and an `fsync` per installed folder, one after another on the round's thread, cost
/// 0.58 ms of CPU per heartbeat at 1,750 reports/s, against 0.32-0.46 ms at 2,900-4,000/s with `syncfs`. The
/// price: a `syncfs` also writes out what other processes left dirty on the same filesystem.
///
/// Writers hand over staged writes (bytes written, not yet durable, the key's lock held) and wait. Rounds run
/// one at a time on a thread of their own, started as soon as someone waits: a round takes every write
/// waiting, flushes (their bytes are durable), and puts each in place; the next round's flush makes those
/// installs durable, and only then are they unlocked and answered. Under load a round's one flush serves two
/// groups of writers (one group's bytes, the other's installs); when no one new comes, a round flushes the
/// installs alone. Writes that arrive during a round wait for the next. A failed flush fails every write it
/// was to cover: those not yet installed keep the old record in place.
package final class GroupSync: Sendable {
  /// Flushes the filesystem: 0, or -1 with `errno` set.
  package typealias Flush = @Sendable () -> Int32

  /// A write waiting for a round: its bytes are staged (not yet durable) without touching the key, so a write
  /// whose flush or install fails leaves nothing to undo; `install` puts them in place.
  package struct Staged: Sendable {
    /// Puts the synced bytes in place of the key (throws why not).
    package var install: @Sendable () throws -> Void
    /// Lets other writers of the key go on (once the install is durable, or after a failure).
    package var unlock: @Sendable () -> Void

    package init(install: @escaping @Sendable () throws -> Void, unlock: @escaping @Sendable () -> Void) {
      self.install = install
      self.unlock = unlock
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
    /// Whether a round is waiting for more writers before it flushes.
    var gathering = false
    /// Flushes finished, and callers released (for tests and the bench).
    var flushes: UInt64 = 0
    var covered: UInt64 = 0
  }

  private let progress = Mutex(Progress())
  private let flush: Flush
  private let describe: String
  private let queue = DispatchQueue(label: "vigil.state.group-sync")
  /// Signalled when a gathering round has enough writers.
  private let enough = DispatchSemaphore(value: 0)
  /// Flushes start at least this far apart while writers keep coming: a `syncfs` costs about half a
  /// millisecond of CPU however little it writes, so under load the writers that come meanwhile share it
  /// (at most this much more latency each). A writer after a quiet spell is flushed at once.
  static let spacing: Double = 0.002
  /// A round with this many writers flushes without waiting out the spacing.
  static let enoughWriters = 64
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
  /// round), its install, one flush for the installs (shared with the next round's bytes), its unlock. Returns
  /// when both flushes are done; throws if either failed (when the first did, the old record is in place).
  package func commit(_ staged: Staged) async throws {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
      let start = progress.withLock { state -> Bool in
        // A round already running took its callers when it began: this one waits for the next.
        state.waiters.append(Waiter(staged: staged, continuation: continuation))
        if state.gathering && state.waiters.count >= Self.enoughWriters {
          state.gathering = false
          enough.signal()
        }
        guard !state.running else { return false }
        state.running = true
        return true
      }
      if start { queue.async { [self] in round() } }
    }
  }

  /// The sync thread's rounds, while there is work. Each round takes every caller waiting and flushes once:
  /// that flush makes their bytes durable *and* the previous round's installs, so under load each write costs
  /// a share of one flush, not two. Then it releases the previous round's callers, installs its own, and goes
  /// on; a last round with nobody new flushes the installs left.
  private func round() {
    /// Installed, waiting for a flush to make the install durable.
    var installed: [Waiter] = []
    var lastFlush: UInt64 = 0
    while true {
      gather(since: lastFlush)
      lastFlush = DispatchTime.now().uptimeNanoseconds
      let batch = progress.withLock { state -> [Waiter] in
        defer { state.waiters = [] }
        state.inRound = state.waiters.count + installed.count
        return state.waiters
      }
      let failure = flushed()
      // The previous round's installs are durable now (or failed with this flush).
      release(installed, failure.map { Array(repeating: $0, count: installed.count) })
      installed = []
      var refused: [(Waiter, String)] = []
      for waiter in batch {
        if let failure {
          refused.append((waiter, failure))
          continue
        }
        do {
          try waiter.staged.install()
          installed.append(waiter)
        } catch {
          refused.append((waiter, "\(error)"))
        }
      }
      release(refused.map(\.0), refused.map(\.1))
      let more = progress.withLock { state -> Bool in
        state.inRound = installed.count
        if state.waiters.isEmpty && installed.isEmpty { state.running = false }
        return state.running
      }
      if !more { return }
    }
  }

  /// Waits until ``spacing`` has passed since the last flush started, or ``enoughWriters`` are waiting.
  private func gather(since lastFlush: UInt64) {
    let until = DispatchTime(uptimeNanoseconds: lastFlush &+ UInt64(Self.spacing * 1_000_000_000))
    guard DispatchTime.now() < until else { return }
    let wait = progress.withLock { state -> Bool in
      state.gathering = state.waiters.count < Self.enoughWriters
      return state.gathering
    }
    if wait { _ = enough.wait(timeout: until) }
    let stale = progress.withLock { state -> Bool in
      // Signalled after the wait ended: take the count back so the next wait is not cut short.
      defer { state.gathering = false }
      return !state.gathering && wait
    }
    if stale { _ = enough.wait(timeout: .now()) }
  }

  /// Unlocks and answers `waiters`: each with its problem when `problems` is given, else as done.
  private func release(_ waiters: [Waiter], _ problems: [String]?) {
    guard !waiters.isEmpty else { return }
    // Unlocked once the install is durable (or refused): the next write of a key may reuse what it freed.
    for waiter in waiters { waiter.staged.unlock() }
    progress.withLock { $0.covered += UInt64(waiters.count) }
    for (index, waiter) in waiters.enumerated() {
      if let problem = problems?[index] {
        waiter.continuation.resume(throwing: StateError(problem))
      } else {
        waiter.continuation.resume()
      }
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
