/// Any JSON value: what events, handler results and state records are made of.
///
/// Integers and floating-point numbers are kept apart so that offsets and counters survive a round trip.
public enum JSONValue: Sendable, Hashable, Codable {
  case null
  case bool(Bool)
  case int(Int64)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  /// Decodes any JSON value.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Int64.self) {
      self = .int(value)
    } else if let value = try? container.decode(Double.self) {
      self = .double(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([JSONValue].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: JSONValue].self))
    }
  }

  /// Encodes the value as the JSON it holds.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .bool(let value): try container.encode(value)
    case .int(let value): try container.encode(value)
    case .double(let value): try container.encode(value)
    case .string(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }

  /// The member `key` of an object, or nil.
  public subscript(key: String) -> JSONValue? {
    if case .object(let members) = self { return members[key] }
    return nil
  }

  /// The string, if this is one.
  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The number as Double, if this is a number.
  public var doubleValue: Double? {
    switch self {
    case .int(let value): return Double(value)
    case .double(let value): return value
    default: return nil
    }
  }

  /// The number as Int64, if this is an integer (or a double with no fraction).
  public var intValue: Int64? {
    switch self {
    case .int(let value): return value
    case .double(let value) where value.rounded() == value && abs(value) < 9e15: return Int64(value)
    default: return nil
    }
  }

  /// The members, if this is an object.
  public var objectValue: [String: JSONValue]? {
    if case .object(let members) = self { return members }
    return nil
  }

  /// The elements, if this is an array.
  public var arrayValue: [JSONValue]? {
    if case .array(let elements) = self { return elements }
    return nil
  }
}

extension JSONValue {
  /// Decodes JSON bytes (a direct parser: no per-value trial decoding).
  public static func parse(_ data: [UInt8]) throws -> JSONValue {
    try JSONParser.parse(data)
  }

  /// Converts any Encodable value to a JSONValue.
  public static func from(_ value: some Encodable) throws -> JSONValue {
    try JSONValueEncoder.encode(value)
  }

  /// Compact JSON with sorted keys, unescaped slashes and raw UTF-8, as `JSONCoding` writes it, written
  /// directly (log lines and API answers are encoded on every request: no encoder round trip).
  public func encodedString() -> String {
    var out = ""
    write(to: &out)
    return out
  }

  /// The same JSON, indented by two spaces per level with `"key" : value` members (the layout of
  /// Foundation's pretty-printed output), for results and records people read.
  package func prettyString() -> String {
    var out = ""
    writePretty(to: &out, indent: "")
    return out
  }

  /// Writes the value where an enclosing writer stands: pretty at `indent` (the indentation of the line it
  /// starts on), or compact.
  package func write(to out: inout String, pretty: Bool, indent: String) {
    if pretty { writePretty(to: &out, indent: indent) } else { write(to: &out) }
  }

  private func writePretty(to out: inout String, indent: String) {
    let inner = indent + "  "
    switch self {
    case .array(let items) where !items.isEmpty:
      out += "[\n"
      for (index, item) in items.enumerated() {
        if index > 0 { out += ",\n" }
        out += inner
        item.writePretty(to: &out, indent: inner)
      }
      out += "\n" + indent + "]"
    case .object(let members) where !members.isEmpty:
      out += "{\n"
      for (index, key) in members.keys.sorted().enumerated() {
        if index > 0 { out += ",\n" }
        out += inner
        Self.writeString(key, to: &out)
        out += " : "
        members[key]?.writePretty(to: &out, indent: inner)
      }
      out += "\n" + indent + "}"
    default: write(to: &out)
    }
  }

  private func write(to out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let value): out += value ? "true" : "false"
    case .int(let value): out += String(value)
    case .double(let value):
      if !value.isFinite {
        out += "null"
      } else if value == value.rounded(), abs(value) < 1e15 {
        out += String(Int64(value))
      } else {
        out += "\(value)"
      }
    case .string(let value): Self.writeString(value, to: &out)
    case .array(let items):
      out += "["
      for (index, item) in items.enumerated() {
        if index > 0 { out += "," }
        item.write(to: &out)
      }
      out += "]"
    case .object(let members):
      out += "{"
      for (index, key) in members.keys.sorted().enumerated() {
        if index > 0 { out += "," }
        Self.writeString(key, to: &out)
        out += ":"
        members[key]?.write(to: &out)
      }
      out += "}"
    }
  }

  package static func writeString(_ text: String, to out: inout String) {
    out += "\""
    var plain = true
    for byte in text.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
      plain = false
      break
    }
    if plain {
      out += text
    } else {
      for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
          if scalar.value < 0x20 {
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
          } else {
            out.unicodeScalars.append(scalar)
          }
        }
      }
    }
    out += "\""
  }
}

/// The encoder settings Vigil uses everywhere: sorted keys (stable output), no escaped slashes.
public enum JSONCoding {
  /// Encodes compactly with sorted keys.
  public static func encode(_ value: some Encodable, pretty: Bool = false) throws -> [UInt8] {
    Array(try encodeString(value, pretty: pretty).utf8)
  }

  /// Encodes to a UTF-8 string.
  public static func encodeString(_ value: some Encodable, pretty: Bool = false) throws -> String {
    if let streamed = value as? any JSONStreamable {
      var out = JSONText()
      try streamed.writeJSON(to: &out, pretty: pretty)
      return out.text
    }
    let json = try JSONValueEncoder.encode(value)
    return pretty ? json.prettyString() : json.encodedString()
  }

  /// Encodes `value` into `drain` in pieces (about 64 KB each when the value streams itself, else whole).
  package static func write(
    _ value: some Encodable, pretty: Bool = false, to drain: @escaping (String) -> Void
  ) throws {
    guard let streamed = value as? any JSONStreamable else {
      drain(try encodeString(value, pretty: pretty))
      return
    }
    var out = JSONText(drain: drain)
    try streamed.writeJSON(to: &out, pretty: pretty)
    drain(out.text)
  }

  /// Decodes `type` from JSON bytes; malformed JSON names its byte offset, a wrong shape its coding path.
  public static func decode<T: Decodable>(_ type: T.Type, from data: [UInt8]) throws -> T {
    try JSONValueDecoder.decode(type, from: JSONParser.parse(data))
  }
}
