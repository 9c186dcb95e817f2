/// Encodes any `Encodable` value into a `JSONValue` tree (what `JSONCoding` then writes as text): Vigil's own
/// encoder, so the runtime needs no Foundation. Optional properties that are nil are left out; a non-finite
/// number is an error naming its coding path, as with Foundation's `JSONEncoder`.
package enum JSONValueEncoder {
  /// The JSON form of `value`.
  package static func encode(_ value: some Encodable) throws -> JSONValue {
    if let json = value as? JSONValue { return json }
    let root = EncodingSlot()
    try value.encode(to: SlotEncoder(slot: root, codingPath: []))
    return root.resolved()
  }
}

/// One place in the tree being built: a finished value, or an object or array still being filled.
private final class EncodingSlot {
  var value: JSONValue = .object([:])
  var members: [String: EncodingSlot]?
  var elements: [EncodingSlot]?

  func resolved() -> JSONValue {
    if let members { return .object(members.mapValues { $0.resolved() }) }
    if let elements { return .array(elements.map { $0.resolved() }) }
    return value
  }
}

private struct SlotEncoder: Encoder {
  let slot: EncodingSlot
  let codingPath: [any CodingKey]
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    if slot.members == nil { slot.members = [:] }
    return KeyedEncodingContainer(KeyedSlotEncoder<Key>(slot: slot, codingPath: codingPath))
  }

  func unkeyedContainer() -> any UnkeyedEncodingContainer {
    if slot.elements == nil { slot.elements = [] }
    return UnkeyedSlotEncoder(slot: slot, codingPath: codingPath)
  }

  func singleValueContainer() -> any SingleValueEncodingContainer {
    SingleSlotEncoder(slot: slot, codingPath: codingPath)
  }
}

/// The JSON for a leaf value, or nil when `value` is not one (then it encodes itself).
private func leaf(_ value: some Encodable, at path: [any CodingKey]) throws -> JSONValue? {
  switch value {
  case let json as JSONValue: return json
  case let text as String: return .string(text)
  case let flag as Bool: return .bool(flag)
  case let number as Double: return try finite(number, at: path)
  case let number as Float: return try finite(Double(number), at: path)
  case let number as Int: return .int(Int64(number))
  case let number as Int64: return .int(number)
  case let number as Int32: return .int(Int64(number))
  case let number as Int16: return .int(Int64(number))
  case let number as Int8: return .int(Int64(number))
  case let number as UInt8: return .int(Int64(number))
  case let number as UInt16: return .int(Int64(number))
  case let number as UInt32: return .int(Int64(number))
  case let number as UInt:
    guard let exact = Int64(exactly: number) else { return .double(Double(number)) }
    return .int(exact)
  case let number as UInt64:
    guard let exact = Int64(exactly: number) else { return .double(Double(number)) }
    return .int(exact)
  default: return nil
  }
}

private func finite(_ number: Double, at path: [any CodingKey]) throws -> JSONValue {
  guard number.isFinite else {
    throw EncodingError.invalidValue(
      number, .init(codingPath: path, debugDescription: "\(number) is not a JSON number"))
  }
  return .double(number)
}

private func encode(_ value: some Encodable, into slot: EncodingSlot, at path: [any CodingKey]) throws {
  if let json = try leaf(value, at: path) {
    slot.value = json
  } else {
    try value.encode(to: SlotEncoder(slot: slot, codingPath: path))
  }
}

private struct KeyedSlotEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let slot: EncodingSlot
  let codingPath: [any CodingKey]

  private func child(_ key: Key) -> EncodingSlot {
    let child = EncodingSlot()
    slot.members?[key.stringValue] = child
    return child
  }

  mutating func encodeNil(forKey key: Key) throws { child(key).value = .null }
  mutating func encode(_ value: some Encodable, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }
  private func encodeLeaf(_ value: some Encodable, forKey key: Key) throws {
    try VigilCore.encode(value, into: child(key), at: codingPath + [key])
  }
  mutating func encode(_ value: Bool, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }
  mutating func encode(_ value: String, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }
  mutating func encode(_ value: Double, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }
  mutating func encode(_ value: Float, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }
  mutating func encode(_ value: Int, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }
  mutating func encode(_ value: Int8, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }
  mutating func encode(_ value: Int16, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }
  mutating func encode(_ value: Int32, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }
  mutating func encode(_ value: Int64, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }
  mutating func encode(_ value: UInt, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }
  mutating func encode(_ value: UInt8, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }
  mutating func encode(_ value: UInt16, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }
  mutating func encode(_ value: UInt32, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }
  mutating func encode(_ value: UInt64, forKey key: Key) throws { try encodeLeaf(value, forKey: key) }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy keyType: NestedKey.Type, forKey key: Key
  ) -> KeyedEncodingContainer<NestedKey> {
    let nested = child(key)
    nested.members = [:]
    return KeyedEncodingContainer(KeyedSlotEncoder<NestedKey>(slot: nested, codingPath: codingPath + [key]))
  }

  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    let nested = child(key)
    nested.elements = []
    return UnkeyedSlotEncoder(slot: nested, codingPath: codingPath + [key])
  }

  mutating func superEncoder() -> any Encoder {
    let nested = EncodingSlot()
    slot.members?["super"] = nested
    return SlotEncoder(slot: nested, codingPath: codingPath)
  }

  mutating func superEncoder(forKey key: Key) -> any Encoder {
    SlotEncoder(slot: child(key), codingPath: codingPath + [key])
  }
}

/// The coding key of an array element (`Index 3`), in both coders' coding paths.
struct IndexKey: CodingKey {
  var stringValue: String { "Index \(index)" }
  var intValue: Int? { index }
  let index: Int
  init(_ index: Int) { self.index = index }
  init?(stringValue: String) { nil }
  init?(intValue: Int) { index = intValue }
}

private struct UnkeyedSlotEncoder: UnkeyedEncodingContainer {
  let slot: EncodingSlot
  let codingPath: [any CodingKey]
  var count: Int { slot.elements?.count ?? 0 }

  private func next() -> EncodingSlot {
    let child = EncodingSlot()
    slot.elements?.append(child)
    return child
  }

  mutating func encodeNil() throws { next().value = .null }
  mutating func encode(_ value: some Encodable) throws { try encodeLeaf(value) }
  private func encodeLeaf(_ value: some Encodable) throws {
    let path = codingPath + [IndexKey(count)]
    try VigilCore.encode(value, into: next(), at: path)
  }
  mutating func encode(_ value: Bool) throws { try encodeLeaf(value) }
  mutating func encode(_ value: String) throws { try encodeLeaf(value) }
  mutating func encode(_ value: Double) throws { try encodeLeaf(value) }
  mutating func encode(_ value: Float) throws { try encodeLeaf(value) }
  mutating func encode(_ value: Int) throws { try encodeLeaf(value) }
  mutating func encode(_ value: Int8) throws { try encodeLeaf(value) }
  mutating func encode(_ value: Int16) throws { try encodeLeaf(value) }
  mutating func encode(_ value: Int32) throws { try encodeLeaf(value) }
  mutating func encode(_ value: Int64) throws { try encodeLeaf(value) }
  mutating func encode(_ value: UInt) throws { try encodeLeaf(value) }
  mutating func encode(_ value: UInt8) throws { try encodeLeaf(value) }
  mutating func encode(_ value: UInt16) throws { try encodeLeaf(value) }
  mutating func encode(_ value: UInt32) throws { try encodeLeaf(value) }
  mutating func encode(_ value: UInt64) throws { try encodeLeaf(value) }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
    -> KeyedEncodingContainer<NestedKey>
  {
    let path = codingPath + [IndexKey(count)]
    let nested = next()
    nested.members = [:]
    return KeyedEncodingContainer(KeyedSlotEncoder<NestedKey>(slot: nested, codingPath: path))
  }

  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    let path = codingPath + [IndexKey(count)]
    let nested = next()
    nested.elements = []
    return UnkeyedSlotEncoder(slot: nested, codingPath: path)
  }

  mutating func superEncoder() -> any Encoder {
    let path = codingPath + [IndexKey(count)]
    return SlotEncoder(slot: next(), codingPath: path)
  }
}

private struct SingleSlotEncoder: SingleValueEncodingContainer {
  let slot: EncodingSlot
  let codingPath: [any CodingKey]

  mutating func encodeNil() throws { slot.value = .null }
  mutating func encode(_ value: some Encodable) throws { try encodeLeaf(value) }
  private func encodeLeaf(_ value: some Encodable) throws {
    try VigilCore.encode(value, into: slot, at: codingPath)
  }
  mutating func encode(_ value: Bool) throws { try encodeLeaf(value) }
  mutating func encode(_ value: String) throws { try encodeLeaf(value) }
  mutating func encode(_ value: Double) throws { try encodeLeaf(value) }
  mutating func encode(_ value: Float) throws { try encodeLeaf(value) }
  mutating func encode(_ value: Int) throws { try encodeLeaf(value) }
  mutating func encode(_ value: Int8) throws { try encodeLeaf(value) }
  mutating func encode(_ value: Int16) throws { try encodeLeaf(value) }
  mutating func encode(_ value: Int32) throws { try encodeLeaf(value) }
  mutating func encode(_ value: Int64) throws { try encodeLeaf(value) }
  mutating func encode(_ value: UInt) throws { try encodeLeaf(value) }
  mutating func encode(_ value: UInt8) throws { try encodeLeaf(value) }
  mutating func encode(_ value: UInt16) throws { try encodeLeaf(value) }
  mutating func encode(_ value: UInt32) throws { try encodeLeaf(value) }
  mutating func encode(_ value: UInt64) throws { try encodeLeaf(value) }
}
