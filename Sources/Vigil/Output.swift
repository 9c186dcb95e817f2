#if canImport(Glibc)
  import Glibc
#endif

/// Writes to standard output and standard error without Foundation's FileHandle.
enum Output {
  static func out(_ text: String) { write(1, text) }
  static func err(_ text: String) { write(2, text) }

  private static func write(_ descriptor: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    if bytes.last != 10 { bytes.append(10) }
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
      if written <= 0 {
        if errno == EINTR { continue }
        return
      }
      offset += written
    }
  }
}

/// Process exit codes, documented in `vigil --help`.
enum ExitCode {
  static let success: Int32 = 0
  static let failure: Int32 = 1
  static let usage: Int32 = 2
  static let timeout: Int32 = 124
}
