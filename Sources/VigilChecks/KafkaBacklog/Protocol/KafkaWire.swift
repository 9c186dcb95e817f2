/// Why a Kafka frame could not be read.
package struct KafkaProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
  package var message: String
  package var description: String { message }
}

/// Writes Kafka's big-endian primitives (non-flexible encodings: int16-length strings, int32-count arrays).
struct KafkaWriter {
  private(set) var bytes: [UInt8] = []

  mutating func int8(_ value: Int8) { bytes.append(UInt8(bitPattern: value)) }
  mutating func int16(_ value: Int16) {
    for shift in [8, 0] { bytes.append(UInt8(truncatingIfNeeded: value >> Int16(shift))) }
  }
  mutating func int32(_ value: Int32) {
    for shift in [24, 16, 8, 0] { bytes.append(UInt8(truncatingIfNeeded: value >> Int32(shift))) }
  }
  mutating func int64(_ value: Int64) {
    for shift in stride(from: 56, through: 0, by: -8) {
      bytes.append(UInt8(truncatingIfNeeded: value >> Int64(shift)))
    }
  }

  mutating func string(_ value: String) {
    let utf8 = Array(value.utf8)
    int16(Int16(clamping: utf8.count))
    bytes += utf8.prefix(Int(Int16.max))
  }

  mutating func nullableString(_ value: String?) {
    guard let value else { return int16(-1) }
    string(value)
  }

  /// Int32-length bytes.
  mutating func bytesField(_ value: [UInt8]) {
    int32(Int32(clamping: value.count))
    bytes += value
  }

  mutating func array<T>(_ items: [T]?, _ write: (inout KafkaWriter, T) -> Void) {
    guard let items else { return int32(-1) }
    int32(Int32(items.count))
    for item in items { write(&self, item) }
  }
}

/// Reads Kafka's big-endian primitives; running past the end is an error, never a crash.
struct KafkaReader {
  private let bytes: [UInt8]
  private var position = 0
  let context: String

  init(_ bytes: [UInt8], context: String) {
    self.bytes = bytes
    self.context = context
  }

  var remaining: Int { bytes.count - position }

  private mutating func take(_ count: Int) throws(KafkaProtocolError) -> ArraySlice<UInt8> {
    guard count >= 0, position + count <= bytes.count else {
      throw KafkaProtocolError(
        message:
          "\(context): truncated frame (needed \(count) bytes at offset \(position), \(bytes.count - position) left)"
      )
    }
    defer { position += count }
    return bytes[position..<position + count]
  }

  private mutating func integer(_ size: Int) throws(KafkaProtocolError) -> Int64 {
    var value: UInt64 = 0
    for byte in try take(size) { value = value << 8 | UInt64(byte) }
    let shift = UInt64(64 - size * 8)
    return Int64(bitPattern: value << shift) >> Int64(shift)
  }

  mutating func int8() throws(KafkaProtocolError) -> Int8 { Int8(try integer(1)) }
  mutating func int16() throws(KafkaProtocolError) -> Int16 { Int16(try integer(2)) }
  mutating func int32() throws(KafkaProtocolError) -> Int32 { Int32(try integer(4)) }
  mutating func int64() throws(KafkaProtocolError) -> Int64 { try integer(8) }

  mutating func nullableString() throws(KafkaProtocolError) -> String? {
    let length = Int(try int16())
    if length < 0 { return nil }
    return String(decoding: try take(length), as: UTF8.self)
  }

  mutating func string() throws(KafkaProtocolError) -> String { try nullableString() ?? "" }

  mutating func bytesField() throws(KafkaProtocolError) -> [UInt8] {
    let length = Int(try int32())
    return length < 0 ? [] : Array(try take(length))
  }

  mutating func array<T>(_ read: (inout KafkaReader) throws(KafkaProtocolError) -> T)
    throws(KafkaProtocolError) -> [T]
  {
    let count = Int(try int32())
    guard count >= -1, count <= remaining else {
      throw KafkaProtocolError(
        message: "\(context): array count \(count) does not fit the \(remaining) bytes left")
    }
    var items: [T] = []
    for _ in 0..<max(0, count) { items.append(try read(&self)) }
    return items
  }
}
