/// Decodes any `Decodable` value from a `JSONValue` tree (what `JSONParser` reads): Vigil's own decoder, so the
/// runtime needs no Foundation. Like Foundation's `JSONDecoder`: a missing key, a wrong type or a number that
/// does not fit is a `DecodingError` naming its coding path; an integer field takes `3` and `3.0`, not `3.5`.
package enum JSONValueDecoder {
  /// `type` read from `value`.
  package static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
    try decodeValue(type, from: value, at: [])
  }
}

private func decodeValue<T: Decodable>(_ type: T.Type, from value: JSONValue, at path: [any CodingKey]) throws
  -> T
{
  if let leaf = try decodeLeafValue(type, from: value, at: path) { return leaf }
  return try T(from: ValueDecoder(value: value, codingPath: path))
}

private func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: [any CodingKey]) -> DecodingError {
  let found: String
  switch value {
  case .null: found = "null"
  case .bool: found = "a boolean"
  case .int, .double: found = "a number"
  case .string: found = "a string"
  case .array: found = "an array"
  case .object: found = "an object"
  }
  return DecodingError.typeMismatch(
    type, .init(codingPath: path, debugDescription: "expected \(type), found \(found)"))
}

private func integer<T: FixedWidthInteger>(_ type: T.Type, _ value: JSONValue, _ path: [any CodingKey]) throws
  -> T
{
  let exact: T?
  switch value {
  case .int(let number): exact = T(exactly: number)
  case .double(let number): exact = number.isFinite ? T(exactly: number) : nil
  default: throw mismatch(type, value, path)
  }
  guard let exact else {
    throw DecodingError.dataCorrupted(
      .init(codingPath: path, debugDescription: "\(value.encodedString()) does not fit in \(type)"))
  }
  return exact
}

/// The value when `type` is a JSON leaf (or JSONValue itself), nil when it decodes itself from containers.
private func decodeLeafValue<T>(_ type: T.Type, from value: JSONValue, at path: [any CodingKey]) throws -> T?
{
  let result: Any
  switch type {
  case is JSONValue.Type: result = value
  case is String.Type:
    guard case .string(let text) = value else { throw mismatch(type, value, path) }
    result = text
  case is Bool.Type:
    guard case .bool(let flag) = value else { throw mismatch(type, value, path) }
    result = flag
  case is Double.Type, is Float.Type:
    guard let number = value.doubleValue else { throw mismatch(type, value, path) }
    result = type is Float.Type ? Float(number) as Any : number as Any
  case is Int.Type: result = try integer(Int.self, value, path)
  case is Int8.Type: result = try integer(Int8.self, value, path)
  case is Int16.Type: result = try integer(Int16.self, value, path)
  case is Int32.Type: result = try integer(Int32.self, value, path)
  case is Int64.Type: result = try integer(Int64.self, value, path)
  case is UInt.Type: result = try integer(UInt.self, value, path)
  case is UInt8.Type: result = try integer(UInt8.self, value, path)
  case is UInt16.Type: result = try integer(UInt16.self, value, path)
  case is UInt32.Type: result = try integer(UInt32.self, value, path)
  case is UInt64.Type: result = try integer(UInt64.self, value, path)
  default: return nil
  }
  return result as? T
}

private struct ValueDecoder: Decoder {
  let value: JSONValue
  let codingPath: [any CodingKey]
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
    guard case .object(let members) = value else {
      throw mismatch([String: JSONValue].self, value, codingPath)
    }
    return KeyedDecodingContainer(KeyedValueDecoder<Key>(members: members, codingPath: codingPath))
  }

  func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
    guard case .array(let elements) = value else { throw mismatch([JSONValue].self, value, codingPath) }
    return UnkeyedValueDecoder(elements: elements, codingPath: codingPath)
  }

  func singleValueContainer() throws -> any SingleValueDecodingContainer {
    SingleValueDecoder(value: value, codingPath: codingPath)
  }
}

private struct KeyedValueDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
  let members: [String: JSONValue]
  let codingPath: [any CodingKey]
  var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

  func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

  private func member(_ key: Key) throws -> JSONValue {
    guard let value = members[key.stringValue] else {
      throw DecodingError.keyNotFound(
        key, .init(codingPath: codingPath, debugDescription: "no value for the key '\(key.stringValue)'"))
    }
    return value
  }

  func decodeNil(forKey key: Key) throws -> Bool { try member(key) == .null }
  func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decodeLeaf(type, forKey: key) }
  private func decodeLeaf<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
    try decodeValue(type, from: member(key), at: codingPath + [key])
  }
  func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decodeLeaf(type, forKey: key) }
  func decode(_ type: String.Type, forKey key: Key) throws -> String { try decodeLeaf(type, forKey: key) }
  func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decodeLeaf(type, forKey: key) }
  func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decodeLeaf(type, forKey: key) }
  func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decodeLeaf(type, forKey: key) }
  func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decodeLeaf(type, forKey: key) }
  func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decodeLeaf(type, forKey: key) }
  func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decodeLeaf(type, forKey: key) }
  func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decodeLeaf(type, forKey: key) }
  func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decodeLeaf(type, forKey: key) }
  func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decodeLeaf(type, forKey: key) }
  func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decodeLeaf(type, forKey: key) }
  func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decodeLeaf(type, forKey: key) }
  func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decodeLeaf(type, forKey: key) }

  func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
    -> KeyedDecodingContainer<NestedKey>
  {
    try ValueDecoder(value: member(key), codingPath: codingPath + [key]).container(keyedBy: type)
  }

  func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
    try ValueDecoder(value: member(key), codingPath: codingPath + [key]).unkeyedContainer()
  }

  func superDecoder() throws -> any Decoder {
    ValueDecoder(value: members["super"] ?? .null, codingPath: codingPath)
  }

  func superDecoder(forKey key: Key) throws -> any Decoder {
    ValueDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key])
  }
}

private struct UnkeyedValueDecoder: UnkeyedDecodingContainer {
  let elements: [JSONValue]
  let codingPath: [any CodingKey]
  var currentIndex = 0
  var count: Int? { elements.count }
  var isAtEnd: Bool { currentIndex >= elements.count }

  init(elements: [JSONValue], codingPath: [any CodingKey]) {
    self.elements = elements
    self.codingPath = codingPath
  }

  private mutating func next(_ type: Any.Type) throws -> (JSONValue, [any CodingKey]) {
    let path = codingPath + [IndexKey(currentIndex)]
    guard !isAtEnd else {
      throw DecodingError.valueNotFound(
        type, .init(codingPath: path, debugDescription: "the array has only \(elements.count) elements"))
    }
    defer { currentIndex += 1 }
    return (elements[currentIndex], path)
  }

  mutating func decodeNil() throws -> Bool {
    guard !isAtEnd, elements[currentIndex] == .null else { return false }
    currentIndex += 1
    return true
  }

  mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeLeaf(type) }
  private mutating func decodeLeaf<T: Decodable>(_ type: T.Type) throws -> T {
    let (value, path) = try next(type)
    return try decodeValue(type, from: value, at: path)
  }
  mutating func decode(_ type: Bool.Type) throws -> Bool { try decodeLeaf(type) }
  mutating func decode(_ type: String.Type) throws -> String { try decodeLeaf(type) }
  mutating func decode(_ type: Double.Type) throws -> Double { try decodeLeaf(type) }
  mutating func decode(_ type: Float.Type) throws -> Float { try decodeLeaf(type) }
  mutating func decode(_ type: Int.Type) throws -> Int { try decodeLeaf(type) }
  mutating func decode(_ type: Int8.Type) throws -> Int8 { try decodeLeaf(type) }
  mutating func decode(_ type: Int16.Type) throws -> Int16 { try decodeLeaf(type) }
  mutating func decode(_ type: Int32.Type) throws -> Int32 { try decodeLeaf(type) }
  mutating func decode(_ type: Int64.Type) throws -> Int64 { try decodeLeaf(type) }
  mutating func decode(_ type: UInt.Type) throws -> UInt { try decodeLeaf(type) }
  mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeLeaf(type) }
  mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeLeaf(type) }
  mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeLeaf(type) }
  mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeLeaf(type) }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
    -> KeyedDecodingContainer<NestedKey>
  {
    let (value, path) = try next([String: JSONValue].self)
    return try ValueDecoder(value: value, codingPath: path).container(keyedBy: type)
  }

  mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
    let (value, path) = try next([JSONValue].self)
    return try ValueDecoder(value: value, codingPath: path).unkeyedContainer()
  }

  mutating func superDecoder() throws -> any Decoder {
    let (value, path) = try next(JSONValue.self)
    return ValueDecoder(value: value, codingPath: path)
  }
}

private struct SingleValueDecoder: SingleValueDecodingContainer {
  let value: JSONValue
  let codingPath: [any CodingKey]

  func decodeNil() -> Bool { value == .null }
  func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeLeaf(type) }
  private func decodeLeaf<T: Decodable>(_ type: T.Type) throws -> T {
    try decodeValue(type, from: value, at: codingPath)
  }
  func decode(_ type: Bool.Type) throws -> Bool { try decodeLeaf(type) }
  func decode(_ type: String.Type) throws -> String { try decodeLeaf(type) }
  func decode(_ type: Double.Type) throws -> Double { try decodeLeaf(type) }
  func decode(_ type: Float.Type) throws -> Float { try decodeLeaf(type) }
  func decode(_ type: Int.Type) throws -> Int { try decodeLeaf(type) }
  func decode(_ type: Int8.Type) throws -> Int8 { try decodeLeaf(type) }
  func decode(_ type: Int16.Type) throws -> Int16 { try decodeLeaf(type) }
  func decode(_ type: Int32.Type) throws -> Int32 { try decodeLeaf(type) }
  func decode(_ type: Int64.Type) throws -> Int64 { try decodeLeaf(type) }
  func decode(_ type: UInt.Type) throws -> UInt { try decodeLeaf(type) }
  func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeLeaf(type) }
  func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeLeaf(type) }
  func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeLeaf(type) }
  func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeLeaf(type) }
}
