import VigilCron

/// Builds state keys from names that come from configuration (functions, targets, channels, groups).
package enum StateKey {
  /// One key segment for `name`, injective: ASCII letters, digits, `-`, `_` and `.` stay (a leading `.` does
  /// not), every other byte of its UTF-8 becomes `@XX`, and `@` itself is escaped, so two different names never
  /// share a segment (`shop api` is `shop@20api`, `shop_api` stays `shop_api`).
  package static func segment(_ name: String) -> String {
    var result = ""
    result.reserveCapacity(name.utf8.count)
    for (index, byte) in name.utf8.enumerated() {
      let plain =
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        || byte == 0x2D || byte == 0x5F || (byte == 0x2E && index > 0)
      if plain {
        result.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        result += "@" + hex(byte)
      }
    }
    return result.isEmpty ? "@" : result
  }

  /// The name `segment` was made from, or nil when `text` is not such a segment.
  package static func name(ofSegment text: String) -> String? {
    if text == "@" { return "" }
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
      guard byte == 0x40 else {
        bytes.append(byte)
        continue
      }
      guard let high = iterator.next(), let low = iterator.next(),
        let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
      else { return nil }
      bytes.append(value)
    }
    return String(validating: bytes, as: UTF8.self)
  }

  /// Where a corrupt record is moved: `corrupt/<key>-<millis>`, outside every prefix the runtime lists.
  package static func quarantine(_ key: String, at date: Instant) -> String {
    "corrupt/\(key)-\(Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))"
  }

  private static func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
  }
}
