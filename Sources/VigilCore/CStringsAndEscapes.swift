extension String {
  /// The text with each `marker` followed by `digits` digits in `radix` replaced by that byte (`%2D` in URLs,
  /// `\040` in /proc/self/mounts); anything malformed is kept as it is. The bytes are read back as UTF-8.
  package func decodingByteEscapes(marker: Character, digits: Int, radix: Int) -> String {
    guard let markerByte = marker.asciiValue, utf8.contains(markerByte) else { return self }
    let bytes = Array(utf8)
    var decoded: [UInt8] = []
    decoded.reserveCapacity(bytes.count)
    var index = 0
    while index < bytes.count {
      if bytes[index] == markerByte, index + digits < bytes.count,
        let value = UInt8(String(decoding: bytes[index + 1...index + digits], as: UTF8.self), radix: radix)
      {
        decoded.append(value)
        index += digits + 1
      } else {
        decoded.append(bytes[index])
        index += 1
      }
    }
    return String(decoding: decoded, as: UTF8.self)
  }
}

extension String {
  /// The text of a NUL-terminated C buffer (an error buffer, a host name), decoded as UTF-8.
  package init(cBuffer: [CChar]) {
    self = String(decoding: cBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
