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

extension FormEncoding {
  /// The fields of an `application/x-www-form-urlencoded` body (`+` is a space, `%XX` a byte); the first of a
  /// repeated name wins, at most `limit` fields are read.
  package static func decode(_ body: String, limit: Int = 50) -> [String: String] {
    var fields: [String: String] = [:]
    for pair in body.split(separator: "&").prefix(limit) {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      func decoded(_ text: Substring) -> String {
        StateURL.percentDecoded(Substring(text.replacingEvery("+", with: " ")))
      }
      let name = decoded(parts[0])
      if fields[name] == nil { fields[name] = parts.count > 1 ? decoded(parts[1]) : "" }
    }
    return fields
  }
}
