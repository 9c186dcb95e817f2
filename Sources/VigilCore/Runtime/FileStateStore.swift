#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
#if canImport(Glibc)
  import Glibc
#endif

/// State as a folder of files: each key is a file written atomically (write, fsync, rename, fsync the
/// folder); locks are `flock` on files under `.locks/`, so separate processes on one folder exclude each other.
public struct FileStateStore: StateStore {
  /// The folder.
  public let root: String

  /// The largest record read back (a state file beyond it is reported, not loaded).
  public static let maxRecordBytes = 64 << 20

  /// Opens (and creates) the folder, and at most once an hour removes the `.tmp-*` files that writers killed
  /// mid-write left behind (only those older than ten minutes: a live writer's file is never touched).
  public init(root: String, now: Date = Date()) throws {
    self.root = root
    try FileStateStore.makeDirectory(root)
    sweepAbandonedTemporaries(now: now)
  }

  private func path(_ key: String) -> String { "\(root)/\(key)" }

  public func location(_ key: String) -> String { path(key) }

  /// Removes `.tmp-*` files older than ten minutes, everywhere in the folder, when the last sweep (the
  /// `.swept` marker's time) is over an hour old.
  func sweepAbandonedTemporaries(now: Date) {
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
      guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
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

  public func read(_ key: String) throws -> Data? {
    try validateStateKey(key)
    let descriptor = open(path(key), O_RDONLY | O_CLOEXEC)
    if descriptor < 0 {
      if errno == ENOENT { return nil }
      throw StateError("cannot read state '\(key)' at \(path(key)): \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      if data.count > FileStateStore.maxRecordBytes {
        throw StateError(
          corrupt: "state record \(path(key)) is larger than \(FileStateStore.maxRecordBytes >> 20) MiB")
      }
      let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw StateError("cannot read state '\(key)' at \(path(key)): \(String(cString: strerror(errno)))")
      }
      if count == 0 { break }
      data.append(contentsOf: buffer[0..<count])
    }
    return data
  }

  public func write(_ key: String, _ data: Data) throws {
    try validateStateKey(key)
    let target = path(key)
    let folder = NSStringPath(path: target).deletingLastPathComponent
    let temporary = "\(folder)/.tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    var descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    if descriptor < 0 && errno == ENOENT {
      // The key's folder does not exist yet (made here, not on every write: a busy store stays cheap).
      try FileStateStore.makeDirectory(folder)
      descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    }
    guard descriptor >= 0 else {
      throw StateError("cannot write state '\(key)' in \(folder): \(String(cString: strerror(errno)))")
    }
    var failure: String?
    data.withUnsafeBytes { bytes in
      var offset = 0
      while offset < bytes.count, let base = bytes.baseAddress {
        let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          failure = String(cString: strerror(errno))
          return
        }
        offset += written
      }
    }
    if failure == nil && fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
    close(descriptor)
    if failure == nil && rename(temporary, target) != 0 { failure = String(cString: strerror(errno)) }
    if let failure {
      unlink(temporary)
      throw StateError("cannot write state '\(key)' at \(target): \(failure)")
    }
    let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if folderDescriptor >= 0 {
      fsync(folderDescriptor)
      close(folderDescriptor)
    }
  }

  public func delete(_ key: String) throws {
    try validateStateKey(key)
    if unlink(path(key)) != 0 && errno != ENOENT {
      throw StateError("cannot delete state '\(key)' at \(path(key)): \(String(cString: strerror(errno)))")
    }
  }

  public func keys(prefix: String) throws -> [String] {
    var result: [String] = []
    func walk(_ relative: String) {
      let folder = relative.isEmpty ? root : "\(root)/\(relative)"
      guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
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

  public func withLock<T>(_ name: String, _ body: () throws -> T) throws -> T {
    let folder = "\(root)/.locks"
    let file = "\(folder)/\(StateKey.segment(name)).lock"
    // Open an existing lock file without O_CREAT: creating takes the folder's lock, which many concurrent
    // invocations would queue on. Read-only is enough for flock (and works on a read-only folder, where the
    // write that follows then says what is wrong).
    var descriptor = open(file, O_RDONLY | O_CLOEXEC)
    if descriptor < 0 && errno == ENOENT {
      try FileStateStore.makeDirectory(folder)
      descriptor = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    }
    guard descriptor >= 0 else {
      throw StateError("cannot open lock '\(name)' in \(folder): \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    while flock(descriptor, LOCK_EX) != 0 {
      if errno != EINTR {
        throw StateError("cannot take lock '\(name)': \(String(cString: strerror(errno)))")
      }
    }
    defer { flock(descriptor, LOCK_UN) }
    return try body()
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
