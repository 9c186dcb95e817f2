import CSpawn
import VigilCron

#if canImport(Glibc)
  import Glibc
#endif

/// State as a folder of files, for one machine (or a folder every instance mounts): each key is a file written
/// atomically (write its spare, fsync, swap the spare with the key, fsync the folder); conditional writes
/// compare under a `flock` on one of 64 lock files in `.locks/`, so processes sharing the folder never both
/// win. Leases are records.
///
/// A key's spare (`.spare-<name>` beside it) holds the bytes being written; `renameat2(RENAME_EXCHANGE)` swaps
/// it with the key, so the key's previous inode becomes the next write's spare. A busy key then creates and
/// deletes no inode per write (on ext4, creating files as fast as they are deleted costs more than the write:
/// the allocator skips every recently deleted inode). A filesystem that cannot swap gets a rename.
///
/// With group commit (`vigil serve`, where many small writes arrive at once) a write's two fsyncs become two
/// waits on a ``GroupSync`` round shared with every writer in flight: the record's bytes are written, one
/// `syncfs` makes them durable, the swap puts them in place, a second `syncfs` makes the swap durable, and
/// only then does `put` return. The stripe lock is held until then: the key's spare (its old inode) is not
/// written again before the swap that freed it is durable.
package struct FileStateStore: StateStore {
  /// The folder.
  package let root: String
  /// The shared sync writes wait on, when the store commits in groups.
  package let groupSync: GroupSync?
  /// Seconds a lock held by another process (a stripe, or a file a reader holds) is waited for before giving
  /// up (a holder keeps it for microseconds; only a stopped process keeps it longer). 30 unless a test says.
  private let lockWait: Double
  /// This store's writers in line for each stripe, before its `flock`.
  private let stripeQueue = StripeQueue()

  /// The largest record read back (a state file beyond it is reported, not loaded).
  package static let maxRecordBytes = 64 << 20

  /// Opens (and creates) the folder, and at most once an hour removes the `.tmp-*` files that writers killed
  /// mid-write left behind (only those older than ten minutes: a live writer's file is never touched).
  package init(root: String, now: Instant = Instant(), groupCommit: Bool = false) throws {
    try FileStateStore.makeDirectory(root)
    try self.init(root: root, groupSync: groupCommit ? GroupSync(root: root) : nil, now: now)
  }

  /// A store whose writes wait on `groupSync` when given (tests give one with a flush they control);
  /// `lockWait`: how long a lock held by another process is waited for (tests shorten it).
  package init(
    root: String, groupSync: GroupSync?, now: Instant = Instant(), lockWait: Double = 30
  ) throws {
    self.root = root
    self.lockWait = lockWait
    try FileStateStore.makeDirectory(root)
    self.groupSync = groupSync
    sweepAbandonedTemporaries(now: now)
  }

  private func path(_ key: String) -> String { "\(root)/\(key)" }

  package func location(_ key: String) -> String { path(key) }

  /// Removes `.tmp-*` files older than ten minutes, everywhere in the folder, when the last sweep (the
  /// `.swept` marker's time) is over an hour old.
  func sweepAbandonedTemporaries(now: Instant) {
    let marker = "\(root)/.swept"
    var info = stat()
    if stat(marker, &info) == 0, now.timeIntervalSince1970 - Double(info.st_mtim.tv_sec) < 3600 { return }
    let descriptor = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    if descriptor >= 0 { close(descriptor) }
    let cutoff = now.timeIntervalSince1970 - 600
    var folders = [root]
    var visited = 0
    while let folder = folders.popLast(), visited < 100_000 {
      visited += 1
      guard let names = FileSystem.entries(of: folder) else { continue }
      for name in names {
        let file = "\(folder)/\(name)"
        guard lstat(file, &info) == 0 else { continue }
        if info.st_mode & S_IFMT == S_IFDIR {
          if name != ".locks" { folders.append(file) }
        } else if name.hasPrefix(".tmp-"), Double(info.st_mtim.tv_sec) < cutoff {
          unlink(file)
        }
      }
    }
  }

  package var displayName: String { "folder \(root)" }

  /// Runs file work (reads, fsyncs, lock waits) off Swift's cooperative pool, which it would otherwise hold up.
  private func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let result: Result<T, any Error> = await BlockingWork.run("vigil.state.folder") { Result { try body() } }
    return try result.get()
  }

  /// Short file work (a read, a write without fsync): on this thread when it may block, else off the pool.
  private func short<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let result: Result<T, any Error> = await BlockingWork.runShort("vigil.state.folder") {
      Result { try body() }
    }
    return try result.get()
  }

  /// Runs `body` with the key's stripe held in this process (its `flock` is `body`'s to take).
  private func inLine<T>(for key: String, _ body: () async throws -> T) async throws -> T {
    let stripe = Self.stripe(of: key)
    await stripeQueue.enter(stripe)
    defer { stripeQueue.leave(stripe) }
    return try await body()
  }

  package func get(_ key: String) async throws -> StateRecord? {
    try validateStateKey(key)
    return try await short {
      guard let data = try readFile(key) else { return nil }
      return StateRecord(data: data, version: Self.version(of: data))
    }
  }

  package func put(_ key: String, _ data: [UInt8], if condition: StateCondition) async throws -> StateVersion?
  {
    try validateStateKey(key)
    guard let groupSync else {
      return try await inLine(for: key) { try await offPool { try putNow(key, data, if: condition) } }
    }
    // The stripe stays held past the staging, until the round that installs the write is durable.
    let stripe = Self.stripe(of: key)
    await stripeQueue.enter(stripe)
    let staged: StagedWrite?
    do {
      staged = try await short { try stage(key, data, if: condition) }
    } catch {
      stripeQueue.leave(stripe)
      throw error
    }
    guard let staged else {
      stripeQueue.leave(stripe)
      return nil
    }
    let queue = stripeQueue
    try await groupSync.commit(
      GroupSync.Staged(
        install: staged.install,
        unlock: {
          staged.unlock()
          queue.leave(stripe)
        }))
    return Self.version(of: data)
  }

  private func putNow(_ key: String, _ data: [UInt8], if condition: StateCondition) throws -> StateVersion? {
    try withStripe(of: key) { () throws -> StateVersion? in
      guard try holds(condition, key) else { return nil }
      try writeFile(key, data)
      return Self.version(of: data)
    }
  }

  /// Whether the record under `key` is as `condition` asks (call it holding the key's stripe lock).
  private func holds(_ condition: StateCondition, _ key: String) throws -> Bool {
    switch condition {
    case .always: return true
    case .absent:
      if access(path(key), F_OK) == 0 { return false }
      if errno != ENOENT { throw failure("read", key) }
      return true
    case .version(let version):
      guard let current = try readFile(key) else { return false }
      return Self.version(of: current) == version
    }
  }

  /// A group-committed write between its steps: the new bytes in the key's spare (not yet synced), the key's
  /// stripe lock still held.
  final class StagedWrite: Sendable {
    let spare: String
    let target: String
    let lock: FileDescriptor

    init(spare: String, target: String, lock: FileDescriptor) {
      self.spare = spare
      self.target = target
      self.lock = lock
    }

    /// Swaps the synced bytes in for the key.
    func install() throws {
      try FileStateStore.install(spare, as: target)
    }

    /// Lets other writers of the stripe go on.
    func unlock() { lock.close() }
  }

  /// Checks the condition and writes the bytes to a temporary file, keeping the stripe lock: nil when the
  /// condition does not hold (lock released).
  private func stage(_ key: String, _ data: [UInt8], if condition: StateCondition) throws -> StagedWrite? {
    let lock = try lockStripe(of: key)
    guard try holds(condition, key) else {
      lock.close()
      return nil
    }
    do {
      let spare = try writeSpare(key, data, sync: false)
      return StagedWrite(spare: spare, target: path(key), lock: lock)
    } catch {
      lock.close()
      throw error
    }
  }

  package func delete(_ key: String) async throws {
    try validateStateKey(key)
    try await inLine(for: key) {
      try await offPool {
        try withStripe(of: key) {
          if unlink(path(key)) != 0 && errno != ENOENT { throw failure("delete", key) }
          unlink(sparePath(key))
        }
      }
    }
  }

  /// A file's version: a hash of its content and its length. Two records with the same bytes share a version,
  /// which compare-and-set may treat as unchanged (it is the same state).
  static func version(of data: [UInt8]) -> StateVersion {
    StateVersion(String(fnv1a(data), radix: 16) + "-" + String(data.count))
  }

  /// 64-bit FNV-1a of `bytes`: the content hash of versions and the key hash that picks a lock stripe.
  static func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash
  }

  private func failure(_ action: String, _ key: String) -> StateError {
    StateError("cannot \(action) state '\(key)' at \(path(key)): \(String(cString: strerror(errno)))")
  }

  /// Lock files that serialise conditional writes: one of 64, chosen by the key, so unrelated keys rarely wait
  /// on each other and the folder never holds more than 64 of them.
  static let stripes: UInt64 = 64

  /// Runs `body` holding the key's stripe lock (`flock`, which the kernel drops when its holder dies, so a
  /// killed writer blocks nobody). A lock not won within `lockWait` seconds is a `.contended` error.
  private func withStripe<T>(of key: String, _ body: () throws -> T) throws -> T {
    let lock = try lockStripe(of: key)
    defer { lock.close() }
    return try body()
  }

  /// Which of the `stripes` lock files serialises writes of `key`.
  package static func stripe(of key: String) -> UInt64 { fnv1a(key.utf8) % stripes }

  /// Takes the key's stripe lock; closing the returned descriptor releases it.
  private func lockStripe(of key: String) throws -> FileDescriptor {
    let folder = "\(root)/.locks"
    let file = "\(folder)/stripe-\(Self.stripe(of: key)).lock"
    // Open an existing lock file without O_CREAT: creating takes the folder's lock, which many concurrent
    // invocations would queue on. Read-only is enough for flock (and works on a read-only folder, where the
    // write that follows then says what is wrong).
    var descriptor = open(file, O_RDONLY | O_CLOEXEC)
    if descriptor < 0 && errno == ENOENT {
      try FileStateStore.makeDirectory(folder)
      descriptor = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    }
    guard descriptor >= 0 else {
      throw StateError("cannot open the lock file \(file): \(String(cString: strerror(errno)))")
    }
    let lock = FileDescriptor(descriptor)
    try self.lock(lock, LOCK_EX, what: "the lock \(file) for \(path(key))", since: ContinuousClock.now)
    return lock
  }

  /// Reads the key's record. The file is read under a shared `flock` once it is confirmed to be the key's: a
  /// writer rewrites a key's old inode (its spare) only under an exclusive one, so a reader that opened the key
  /// just before a swap never sees that inode half rewritten; it sees the key has moved on and reads again.
  private func readFile(_ key: String) throws -> [UInt8]? {
    let started = ContinuousClock.now
    var attempt = 0
    while true {
      let descriptor = open(path(key), O_RDONLY | O_CLOEXEC)
      if descriptor < 0 {
        if errno == ENOENT { return nil }
        throw failure("read", key)
      }
      let file = FileDescriptor(descriptor)
      defer { file.close() }
      try lock(file, LOCK_SH, what: path(key), since: started)
      var opened = stat()
      var current = stat()
      guard fstat(descriptor, &opened) == 0 else { throw failure("read", key) }
      if stat(path(key), &current) == 0, current.st_ino == opened.st_ino, current.st_dev == opened.st_dev {
        return try readAll(descriptor, key: key)
      }
      // Swapped away (or removed) between the open and the lock: the key is another file now.
      attempt += 1
      if attempt >= 1_000 {
        throw StateError(
          "cannot read \(path(key)): it was replaced \(attempt) times while being opened", kind: .contended)
      }
    }
  }

  /// Everything `descriptor` holds, at most ``maxRecordBytes``.
  private func readAll(_ descriptor: Int32, key: String) throws -> [UInt8] {
    var data = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      if data.count > FileStateStore.maxRecordBytes {
        throw StateError(
          corrupt: "state record \(path(key)) is larger than \(FileStateStore.maxRecordBytes >> 20) MiB")
      }
      let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw failure("read", key)
      }
      if count == 0 { break }
      data.append(contentsOf: buffer[0..<count])
    }
    return data
  }

  /// Takes a `flock` (`LOCK_SH` or `LOCK_EX`) on `file` (a stripe's lock file, a record), waiting while
  /// another holds it (holders keep it for a few system calls: it is polled every 0.2-8 ms, from a thread that
  /// is not the pool's): a `.contended` error after ``lockWait`` seconds from `started` (a stopped process
  /// holding it).
  private func lock(
    _ file: FileDescriptor, _ operation: Int32, what: String, since started: ContinuousClock.Instant
  ) throws {
    var attempt = 0
    while flock(file.raw, operation | LOCK_NB) != 0 {
      guard errno == EWOULDBLOCK || errno == EINTR else {
        throw StateError("cannot lock \(what): \(String(cString: strerror(errno)))")
      }
      attempt += 1
      if ContinuousClock.now - started > .seconds(lockWait) {
        throw StateError(
          "cannot use \(what): another process kept it locked for \(String(lockWait, decimals: 1)) s"
            + " (a stopped process?)",
          kind: .contended)
      }
      usleep(UInt32(100 * min(80, 1 << min(attempt, 7))))
    }
  }

  /// Writes atomically: the key's spare, fsync, swap it with the key, fsync the folder.
  private func writeFile(_ key: String, _ data: [UInt8]) throws {
    let target = path(key)
    let spare = try writeSpare(key, data, sync: true)
    try Self.install(spare, as: target)
    let folderDescriptor = open(
      NSStringPath(path: target).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if folderDescriptor >= 0 {
      fsync(folderDescriptor)
      close(folderDescriptor)
    }
  }

  /// The file a write of `key` fills before it takes the key's place: `.spare-<name>` beside it (hidden from
  /// listings, as every name starting with a dot).
  private func sparePath(_ key: String) -> String {
    let target = NSStringPath(path: path(key))
    return "\(target.deletingLastPathComponent)/.spare-\(target.lastPathComponent)"
  }

  /// Puts the spare's bytes in place of the key: swapped with it, so its old inode is the next spare; renamed
  /// over it when there is no key yet or the filesystem cannot swap.
  static func install(_ spare: String, as target: String) throws {
    if vigil_rename_exchange(spare, target) == 0 { return }
    let swapFailure = errno
    guard swapFailure == ENOENT || swapFailure == EINVAL || swapFailure == ENOSYS, rename(spare, target) == 0
    else {
      throw StateError("cannot write state at \(target): \(String(cString: strerror(errno)))")
    }
  }

  /// Writes `data` over the key's spare (made on first use; fsynced when `sync`); returns its path. The key
  /// itself is not touched: a write cut off here leaves it as it was.
  private func writeSpare(_ key: String, _ data: [UInt8], sync: Bool) throws -> String {
    let target = path(key)
    let folder = NSStringPath(path: target).deletingLastPathComponent
    let spare = sparePath(key)
    var descriptor = open(spare, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
    if descriptor < 0 && errno == ENOENT {
      // The key's folder does not exist yet (made here, not on every write: a busy store stays cheap).
      try FileStateStore.makeDirectory(folder)
      descriptor = open(spare, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
    }
    guard descriptor >= 0 else {
      throw StateError("cannot write state '\(key)' in \(folder): \(String(cString: strerror(errno)))")
    }
    let file = FileDescriptor(descriptor)
    defer { file.close() }
    // The spare is a past version of the key: a reader that opened it then may still hold it (see readFile).
    try lock(file, LOCK_EX, what: spare, since: ContinuousClock.now)
    var failure: String?
    // Written over the old bytes, then cut to length: the spare keeps its blocks (no free, no discard).
    data.withUnsafeBytes { bytes in
      var offset = 0
      while offset < bytes.count, let base = bytes.baseAddress {
        let written = pwrite(descriptor, base + offset, bytes.count - offset, off_t(offset))
        if written < 0 {
          if errno == EINTR { continue }
          failure = String(cString: strerror(errno))
          return
        }
        offset += written
      }
    }
    if failure == nil && ftruncate(descriptor, off_t(data.count)) != 0 {
      failure = String(cString: strerror(errno))
    }
    if failure == nil && sync && fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
    if let failure {
      throw StateError("cannot write state '\(key)' at \(target): \(failure)")
    }
    return spare
  }

  package func keys(prefix: String) async throws -> [String] {
    try await offPool { keysNow(prefix: prefix) }
  }

  private func keysNow(prefix: String) -> [String] {
    var result: [String] = []
    func walk(_ relative: String) {
      let folder = relative.isEmpty ? root : "\(root)/\(relative)"
      guard let entries = FileSystem.entries(of: folder) else { return }
      for name in entries where !name.hasPrefix(".") {
        let key = relative.isEmpty ? name : "\(relative)/\(name)"
        var info = stat()
        if stat("\(root)/\(key)", &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
          walk(key)
        } else if key.hasPrefix(prefix) {
          result.append(key)
        }
      }
    }
    // Start at the prefix's folder (`heartbeats/hosts/` of `heartbeats/hosts/`), not at the root of the store.
    let folder = prefix.lastIndex(of: "/").map { String(prefix[..<$0]) } ?? ""
    walk(folder.split(separator: "/").contains { $0 == "." || $0 == ".." } ? "" : folder)
    return result.sorted()
  }

  /// Creates `path` and its missing parents; the error names the folder that could not be made and why.
  static func makeDirectory(_ path: String) throws {
    var info = stat()
    if stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { return }
    let parent = NSStringPath(path: path).deletingLastPathComponent
    if !parent.isEmpty, parent != path, parent != "/" { try makeDirectory(parent) }
    if mkdir(path, 0o700) != 0 && errno != EEXIST {
      throw StateError("cannot create the state folder \(path): \(String(cString: strerror(errno)))")
    }
  }
}
