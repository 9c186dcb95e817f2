/// A direct JSON (RFC 8259) reader for `JSONValue`. Decoding through `Codable` tries each type in turn and
/// pays for a thrown `DecodingError` on every miss; this reads each value once.
struct JSONParser {
  /// Why the bytes are not JSON, and where.
  struct Failure: Error, CustomStringConvertible {
    var offset: Int
    var reason: String
    var description: String { "\(reason) at byte \(offset)" }
  }

  private let bytes: UnsafeRawBufferPointer
  private var position = 0
  private var depth = 0
  private static let maximumDepth = 512

  static func parse(_ data: [UInt8]) throws(Failure) -> JSONValue {
    let result: Result<JSONValue, Failure> = data.withUnsafeBytes { buffer in
      var parser = JSONParser(bytes: buffer)
      do throws(Failure) {
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.position == buffer.count else {
          throw parser.fail("unexpected text after the JSON value")
        }
        return .success(value)
      } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  private func fail(_ reason: String) -> Failure { Failure(offset: position, reason: reason) }

  private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

  private mutating func skipWhitespace() {
    while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
  }

  private mutating func expect(_ word: String, _ value: JSONValue) throws(Failure) -> JSONValue {
    for byte in word.utf8 {
      guard current == byte else {
        throw fail(current == nil ? "unexpected end of input" : "invalid literal")
      }
      position += 1
    }
    return value
  }

  private mutating func value() throws(Failure) -> JSONValue {
    guard let byte = current else { throw fail("unexpected end of input") }
    switch byte {
    case UInt8(ascii: "{"): return try object()
    case UInt8(ascii: "["): return try array()
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): return try expect("true", .bool(true))
    case UInt8(ascii: "f"): return try expect("false", .bool(false))
    case UInt8(ascii: "n"): return try expect("null", .null)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
    default: throw fail("unexpected character '\(Character(Unicode.Scalar(byte)))'")
    }
  }

  private mutating func enter() throws(Failure) {
    depth += 1
    if depth > Self.maximumDepth { throw fail("nesting deeper than \(Self.maximumDepth)") }
  }

  private mutating func object() throws(Failure) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    position += 1
    var members: [String: JSONValue] = [:]
    skipWhitespace()
    if current == UInt8(ascii: "}") {
      position += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard current == UInt8(ascii: "\"") else { throw fail("expected a string key") }
      let key = try string()
      skipWhitespace()
      guard current == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
      position += 1
      skipWhitespace()
      members[key] = try value()
      skipWhitespace()
      guard let separator = current else { throw fail("unterminated object") }
      position += 1
      if separator == UInt8(ascii: "}") { return .object(members) }
      guard separator == UInt8(ascii: ",") else { throw fail("expected ',' or '}' in an object") }
    }
  }

  private mutating func array() throws(Failure) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    position += 1
    var items: [JSONValue] = []
    skipWhitespace()
    if current == UInt8(ascii: "]") {
      position += 1
      return .array(items)
    }
    while true {
      skipWhitespace()
      items.append(try value())
      skipWhitespace()
      guard let separator = current else { throw fail("unterminated array") }
      position += 1
      if separator == UInt8(ascii: "]") { return .array(items) }
      guard separator == UInt8(ascii: ",") else { throw fail("expected ',' or ']' in an array") }
    }
  }

  private mutating func hexQuad() throws(Failure) -> UInt32 {
    guard position + 4 <= bytes.count else { throw fail("truncated \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[position]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw fail("bad hex digit in \\u escape")
      }
      value = value << 4 | UInt32(digit)
      position += 1
    }
    return value
  }

  private mutating func string() throws(Failure) -> String {
    position += 1
    let start = position
    // Fast path: no escapes.
    while let byte = current, byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
      if byte < 0x20 { throw fail("control character in a string") }
      position += 1
    }
    guard let stop = current else { throw fail("unterminated string") }
    var scalars = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    if stop == UInt8(ascii: "\"") {
      position += 1
      return scalars
    }
    var pending: [UInt8] = []
    while true {
      guard let byte = current else { throw fail("unterminated string") }
      position += 1
      switch byte {
      case UInt8(ascii: "\""):
        scalars += String(decoding: pending, as: UTF8.self)
        return scalars
      case UInt8(ascii: "\\"):
        guard let escaped = current else { throw fail("unterminated escape") }
        position += 1
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): pending.append(escaped)
        case UInt8(ascii: "b"): pending.append(0x08)
        case UInt8(ascii: "f"): pending.append(0x0C)
        case UInt8(ascii: "n"): pending.append(0x0A)
        case UInt8(ascii: "r"): pending.append(0x0D)
        case UInt8(ascii: "t"): pending.append(0x09)
        case UInt8(ascii: "u"):
          var code = try hexQuad()
          if (0xD800...0xDBFF).contains(code), position + 1 < bytes.count,
            bytes[position] == UInt8(ascii: "\\"),
            bytes[position + 1] == UInt8(ascii: "u")
          {
            position += 2
            let low = try hexQuad()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("bad surrogate pair") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          }
          let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
          pending.append(contentsOf: Array(String(Character(scalar)).utf8))
        default: throw fail("unknown escape")
        }
      default:
        if byte < 0x20 { throw fail("control character in a string") }
        pending.append(byte)
      }
    }
  }

  private mutating func number() throws(Failure) -> JSONValue {
    let start = position
    var isInteger = true
    while let byte = current {
      if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") || byte == UInt8(ascii: "-") {
        position += 1
      } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
        || byte == UInt8(ascii: "+")
      {
        isInteger = false
        position += 1
      } else {
        break
      }
    }
    let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    if isInteger, let integer = Int64(text) { return .int(integer) }
    guard let double = Double(text), double.isFinite else {
      throw Failure(offset: start, reason: "invalid number '\(text)'")
    }
    return .double(double)
  }
}
