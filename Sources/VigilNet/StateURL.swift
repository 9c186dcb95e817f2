import VigilCore

/// The parts of a state store URL every store reads the same way: scheme, query parameters, durations, escapes,
/// and how the URL is shown (its password masked).
package enum StateURL {
  /// `url` with whatever sits between `://` and `@` after a colon replaced by `***`.
  package static func masked(_ url: String) -> String {
    guard let (scheme, rest) = splitScheme(url), let at = rest.lastIndex(of: "@") else {
      return url.excerpt(120)
    }
    let credentials = rest[..<at]
    let user: String = credentials.firstIndex(of: ":").map { String(credentials[..<$0]) } ?? ""
    let shown: String = scheme + "://" + user + ":***" + String(rest[at...])
    return shown.excerpt(120)
  }

  /// `scheme` and what follows `://`, or nil when there is no `://`.
  package static func splitScheme(_ url: String) -> (String, Substring)? {
    let characters = Array(url.utf8)
    guard characters.count >= 3 else { return nil }
    for index in 0...(characters.count - 3)
    where characters[index] == UInt8(ascii: ":") && characters[index + 1] == UInt8(ascii: "/")
      && characters[index + 2] == UInt8(ascii: "/")
    {
      let start = url.utf8.index(url.utf8.startIndex, offsetBy: index)
      let after = url.utf8.index(start, offsetBy: 3)
      return (String(url[..<start]), url[after...])
    }
    return nil
  }

  /// `%XX` escapes decoded (a password may hold `@` or `:`).
  package static func percentDecoded(_ text: Substring) -> String {
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
      if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
        let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
      {
        bytes.append(value)
      } else {
        bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// What precedes `?` and the `name=value` pairs after it (values percent-decoded; empty pairs skipped).
  package static func splitQuery(_ text: Substring) -> (Substring, [(name: String, value: String)]) {
    guard let mark = text.firstIndex(of: "?") else { return (text, []) }
    let pairs = text[text.index(after: mark)...].split(separator: "&").map { pair in
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      return (name: String(parts[0]), value: parts.count > 1 ? percentDecoded(parts[1]) : "")
    }
    return (text[..<mark], pairs)
  }

  /// A timeout parameter: seconds, more than 0 and at most 300.
  package static func seconds(_ name: String, _ value: String) throws(StateError) -> Double {
    guard let seconds = Double(value), seconds > 0, seconds <= 300 else {
      throw StateError("state URL: \(name)=\(value.excerpt()) must be seconds between 0 and 300")
    }
    return seconds
  }
}
