/// `application/x-www-form-urlencoded` bodies and percent-encoding (RFC 3986 unreserved characters kept).
package enum FormEncoding {
  /// `a=1&b=two%20words`, in the given order.
  package static func encode(_ fields: [(name: String, value: String)]) -> String {
    fields.map { "\(percentEncode($0.name))=\(percentEncode($0.value))" }.joined(separator: "&")
  }

  /// Percent-encodes every byte outside `A-Z a-z 0-9 - _ . ~`.
  package static func percentEncode(_ text: String) -> String {
    var result = ""
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"),
        UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
        result.unicodeScalars.append(Unicode.Scalar(byte))
      default:
        let hex = Array("0123456789ABCDEF")
        result += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 0x0F)])"
      }
    }
    return result
  }
}
