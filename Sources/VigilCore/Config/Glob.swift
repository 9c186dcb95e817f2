import VigilCron

/// Shell-style name patterns with `*` (any run of characters, none included): `orders*`, `*-api`, `kafka-*-lag`.
/// No other character is special, so a name is its own pattern.
package enum Glob {
  /// Whether `text` matches `pattern`.
  package static func matches(_ pattern: String, _ text: String) -> Bool {
    let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
    guard pieces.count > 1 else { return pattern == text }
    guard let first = pieces.first, let last = pieces.last, text.hasPrefix(first), text.hasSuffix(last),
      text.count >= first.count + last.count
    else { return false }
    var rest = Substring(text.dropFirst(first.count).dropLast(last.count))
    for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
      guard let range = rest.range(ofText: piece) else { return false }
      rest = rest[range.upperBound...]
    }
    return true
  }
}
