import VigilCron

/// Replaces `${env:NAME}` and `${env:NAME, default}` in configuration text with environment values.
///
/// Any other `${…}` form is an error rather than being passed through silently.
package struct EnvironmentSubstitution: Sendable {
  /// The environment variables to read from.
  package var environment: [String: String]

  package init(environment: [String: String]) {
    self.environment = environment
  }

  /// Words that mark a variable, header or query parameter name as secret.
  static let secretWords: [[UInt8]] = [
    "KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASS", "WEBHOOK", "AUTH", "CREDENTIAL", "SIGN",
  ].map { Array($0.utf8) }

  /// Names whose values are treated as secrets and kept out of logs (case-insensitive; a byte search, since
  /// it runs for every query parameter of every URL).
  package static func looksSecret(_ name: String) -> Bool {
    let upper = name.utf8.map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") ? $0 - 32 : $0 }
    for word in secretWords where upper.count >= word.count {
      for start in 0...(upper.count - word.count) where upper[start] == word[0] {
        if upper[start..<start + word.count].elementsEqual(word) { return true }
      }
    }
    return false
  }

  /// The text with every `${env:…}` replaced; `mark` locates the text for errors.
  package func substitute(_ text: String, at mark: SourceMark) throws(ConfigError) -> String {
    guard text.includes("${") else { return text }
    var result = ""
    var rest = Substring(text)
    while let open = rest.range(ofText: "${") {
      result += rest[rest.startIndex..<open.lowerBound]
      let column = mark.column + text.distance(from: text.startIndex, to: open.lowerBound)
      let here = SourceMark(file: mark.file, line: mark.line, column: column)
      guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
        throw ConfigError(here, "unclosed '${': expected '${env:NAME}'")
      }
      let inner = rest[open.upperBound..<close]
      guard inner.hasPrefix("env:") else {
        throw ConfigError(
          here,
          "unsupported variable '${\(inner.excerpt())}': only '${env:NAME}' and '${env:NAME, default}' are supported"
        )
      }
      let spec = inner.dropFirst(4)
      let name: String
      var fallback: String?
      if let comma = spec.firstIndex(of: ",") {
        name = spec[spec.startIndex..<comma].trimming(" ")
        var value = spec[spec.index(after: comma)...].trimming(" ")
        if value.count >= 2, let first = value.first, first == "'" || first == "\"", value.last == first {
          value = String(value.dropFirst().dropLast())
        }
        fallback = value
      } else {
        name = spec.trimming(" ")
      }
      guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
        throw ConfigError(
          here, "bad environment variable name '\(name.excerpt())' in '${\(inner.excerpt())}'")
      }
      if let value = environment[name] {
        result += value
      } else if let fallback {
        result += fallback
      } else {
        throw ConfigError(
          here,
          "environment variable \(name) is not set (referenced as '${env:\(name)}'; set it, or give a default: '${env:\(name), value}')"
        )
      }
      rest = rest[rest.index(after: close)...]
    }
    return result + rest
  }
}
