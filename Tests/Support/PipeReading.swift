import Foundation

#if canImport(Glibc)
  import Glibc
#endif

extension FileHandle {
  /// The next bytes the pipe has, empty at its end or on a read error; read(2) is retried when a signal
  /// interrupts it. (Foundation's `availableData` and `readDataToEndOfFile()` trap on EINTR, and a crash
  /// report being written elsewhere in the test process interrupts every blocked reader.)
  public func nextChunk(limit: Int = 65_536) -> Data {
    var bytes = [UInt8](repeating: 0, count: limit)
    while true {
      let count = Glibc.read(fileDescriptor, &bytes, bytes.count)
      if count >= 0 { return Data(bytes[0..<count]) }
      if errno != EINTR { return Data() }
    }
  }

  /// Everything up to the pipe's end (see `nextChunk`).
  public func readUntilEnd() -> Data {
    var all = Data()
    while true {
      let chunk = nextChunk()
      if chunk.isEmpty { return all }
      all.append(chunk)
    }
  }
}
