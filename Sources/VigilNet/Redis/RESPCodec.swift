/// Encodes commands and decodes replies in RESP2, with every size bounded before anything is allocated: a
/// hostile or broken server gets a `RESPError`, never a crash, a hang or an unbounded allocation.
package enum RESPCodec {
  /// The limits of what is read: one bulk string, one array's elements, nesting, one status or error line.
  package struct Limits: Sendable {
    package var maxBulkBytes = 64 << 20
    package var maxArrayCount = 1 << 20
    package var maxDepth = 8
    package var maxLineBytes = 64 << 10
    package init() {}
  }

  /// A command as RESP: an array of bulk strings (binary-safe: a value may hold any bytes).
  package static func encode(_ arguments: [[UInt8]]) -> [UInt8] {
    var bytes = Array("*\(arguments.count)\r\n".utf8)
    for argument in arguments {
      bytes += Array("$\(argument.count)\r\n".utf8)
      bytes += argument
      bytes += [13, 10]
    }
    return bytes
  }

  /// A command of text arguments.
  package static func encode(_ arguments: [String]) -> [UInt8] { encode(arguments.map { Array($0.utf8) }) }

  /// One reply read from `source`.
  package static func decode<Source: RESPSource>(from source: inout Source, limits: Limits = Limits())
    throws(RESPError) -> RESPValue
  {
    try decode(from: &source, limits: limits, depth: 0)
  }

  /// One whole reply from `bytes` (for tests and fuzzing): an error if bytes are left over.
  package static func decode(_ bytes: [UInt8], limits: Limits = Limits()) throws(RESPError) -> RESPValue {
    var source = RESPBytes(bytes)
    let value = try decode(from: &source, limits: limits)
    guard source.isAtEnd else { throw .malformed("\(source.remaining) bytes after the reply") }
    return value
  }

  private static func decode<Source: RESPSource>(from source: inout Source, limits: Limits, depth: Int)
    throws(RESPError) -> RESPValue
  {
    guard depth < limits.maxDepth else { throw .malformed("replies nested deeper than \(limits.maxDepth)") }
    let kind = try source.byte()
    let line = try readLine(&source, limit: limits.maxLineBytes)
    switch kind {
    case UInt8(ascii: "+"): return .simple(String(decoding: line, as: UTF8.self))
    case UInt8(ascii: "-"): return .error(String(decoding: line, as: UTF8.self))
    case UInt8(ascii: ":"): return .integer(try integer(line))
    case UInt8(ascii: "$"):
      let length = try integer(line)
      if length == -1 { return .bulk(nil) }
      guard length >= 0, length <= limits.maxBulkBytes else {
        throw .malformed("a bulk string of \(length) bytes (at most \(limits.maxBulkBytes) are read)")
      }
      let body = try source.bytes(Int(length) + 2)
      guard body.suffix(2) == [13, 10] else { throw .malformed("a bulk string not ended by CRLF") }
      return .bulk(Array(body.dropLast(2)))
    case UInt8(ascii: "*"):
      let count = try integer(line)
      if count == -1 { return .array(nil) }
      guard count >= 0, count <= limits.maxArrayCount else {
        throw .malformed("an array of \(count) elements (at most \(limits.maxArrayCount) are read)")
      }
      var items: [RESPValue] = []
      for _ in 0..<count { items.append(try decode(from: &source, limits: limits, depth: depth + 1)) }
      return .array(items)
    default:
      throw .malformed("unknown reply type byte 0x\(String(kind, radix: 16)) (RESP3 is not spoken)")
    }
  }

  /// The bytes up to CRLF (not included), at most `limit` of them.
  private static func readLine<Source: RESPSource>(_ source: inout Source, limit: Int) throws(RESPError)
    -> [UInt8]
  {
    var line: [UInt8] = []
    while true {
      let byte = try source.byte()
      if byte == 13 {
        guard try source.byte() == 10 else { throw .malformed("CR not followed by LF") }
        return line
      }
      guard byte != 10 else { throw .malformed("LF without CR") }
      guard line.count < limit else { throw .malformed("a line longer than \(limit) bytes") }
      line.append(byte)
    }
  }

  private static func integer(_ line: [UInt8]) throws(RESPError) -> Int64 {
    let text = String(decoding: line, as: UTF8.self)
    guard let value = Int64(text) else { throw .malformed("'\(text.prefix(40))' is not an integer") }
    return value
  }
}

/// Why a reply could not be read.
package enum RESPError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The bytes are not RESP2 (or break a limit).
  case malformed(String)
  /// The source ended (or failed) before the reply was complete.
  case truncated(String)

  package var description: String {
    switch self {
    case .malformed(let detail): return "not a Redis reply: \(detail)"
    case .truncated(let detail): return "the reply ended early: \(detail)"
    }
  }
}

/// Where replies are read from: bytes one at a time and in runs.
package protocol RESPSource {
  mutating func byte() throws(RESPError) -> UInt8
  mutating func bytes(_ count: Int) throws(RESPError) -> [UInt8]
}

/// Replies held in memory.
package struct RESPBytes: RESPSource {
  private let storage: [UInt8]
  private var position = 0

  package init(_ bytes: [UInt8]) { storage = bytes }

  package var isAtEnd: Bool { position == storage.count }
  package var remaining: Int { storage.count - position }

  package mutating func byte() throws(RESPError) -> UInt8 {
    guard position < storage.count else { throw .truncated("expected more after \(position) bytes") }
    defer { position += 1 }
    return storage[position]
  }

  package mutating func bytes(_ count: Int) throws(RESPError) -> [UInt8] {
    guard count <= storage.count - position else {
      throw .truncated("expected \(count) bytes, \(storage.count - position) left")
    }
    defer { position += count }
    return Array(storage[position..<position + count])
  }
}
