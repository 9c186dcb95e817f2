import VigilCore

#if canImport(Glibc)
  import Glibc
#endif

/// Writes to standard output and standard error without Foundation's FileHandle.
enum Output {
  static func out(_ text: String) { write(1, text) }
  static func err(_ text: String) { write(2, text) }

  /// A handler's result, pretty JSON, written to standard output piece by piece as it is encoded.
  static func out(_ output: HandlerOutput) throws {
    try output.write(pretty: true) { piece in
      var piece = piece
      piece.withUTF8 { writeAll(1, $0) }
    }
    write(1, "")
  }

  /// Writes `text` and a line break if it has none, from the string's own storage (a result of megabytes is
  /// not copied to be printed).
  private static func write(_ descriptor: Int32, _ text: String) {
    var text = text
    let ended = text.utf8.last == 10
    text.withUTF8 { writeAll(descriptor, $0) }
    if !ended {
      let newline: [UInt8] = [10]
      newline.withUnsafeBufferPointer { writeAll(descriptor, $0) }
    }
  }

  private static func writeAll(_ descriptor: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
    var offset = 0
    while offset < bytes.count {
      let written = Glibc.write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
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
