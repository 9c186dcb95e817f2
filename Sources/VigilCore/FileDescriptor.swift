import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A file descriptor with exactly one owner: closed once, by `close()` or when the owner lets go of it, never
/// twice. (A second close of the same number closes whatever file or socket the process opened next with it.)
package final class FileDescriptor: Sendable {
  private let number: Mutex<Int32>

  /// Takes ownership of `raw`, an open descriptor.
  package init(_ raw: Int32) { number = Mutex(raw) }

  /// The descriptor's number while it is open; -1 after `close()` (which `poll` ignores and every other call
  /// refuses with EBADF, so nothing else can be hit by mistake).
  package var raw: Int32 { number.withLock { $0 } }

  /// Whether `close()` has run.
  package var isClosed: Bool { raw < 0 }

  /// Closes the descriptor the first time; later calls do nothing.
  package func close() {
    let taken = number.withLock { number -> Int32 in
      defer { number = -1 }
      return number
    }
    if taken >= 0 { _ = Glibc.close(taken) }
  }

  deinit { close() }
}
