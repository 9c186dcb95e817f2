#if canImport(Glibc)
  import Glibc
#endif

/// Reads a whole file or stream with a limit on its size: what Vigil reads from outside (configuration, event
/// files, standard input) never grows memory without bound. Each call opens and closes its own descriptor.
package enum BoundedRead {
  package enum Failure: Error, Equatable, CustomStringConvertible {
    /// The file does not exist.
    case missing
    /// The file could not be opened or read; the reason is the system's (`Permission denied`).
    case failed(String)
    /// A FIFO, a device or a folder, not a regular file.
    case notRegular
    /// More than `limit` bytes.
    case tooLarge(limit: Int)

    package var description: String {
      switch self {
      case .missing: return "No such file or directory"
      case .failed(let reason): return reason
      case .notRegular: return "not a regular file"
      case .tooLarge(let limit): return "larger than \(limit) bytes, the most read"
      }
    }
  }

  /// The bytes of the regular file at `path`, at most `limit` of them.
  package static func file(_ path: String, limit: Int) throws(Failure) -> [UInt8] {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below as not a regular file.
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    if descriptor < 0 {
      let code = errno
      throw code == ENOENT ? .missing : .failed(describe(code))
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw .failed(describe(errno)) }
    guard status.st_mode & S_IFMT == S_IFREG else { throw .notRegular }
    guard status.st_size <= limit else { throw .tooLarge(limit: limit) }
    return try descriptorContents(descriptor, limit: limit)
  }

  /// Everything `descriptor` yields until its end, at most `limit` bytes. The descriptor stays open (its
  /// owner closes it).
  package static func descriptorContents(_ descriptor: Int32, limit: Int) throws(Failure) -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count == 0 { return bytes }
      if count < 0 {
        let code = errno
        if code == EINTR { continue }
        if code == EAGAIN {
          // A non-blocking descriptor with nothing yet: wait for more.
          var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
          _ = poll(&poller, 1, -1)
          continue
        }
        throw .failed(describe(code))
      }
      guard bytes.count + count <= limit else { throw .tooLarge(limit: limit) }
      bytes.append(contentsOf: chunk[0..<count])
    }
  }

  private static func describe(_ code: Int32) -> String {
    String(cString: strerror(code))
  }
}
