extension StringProtocol {
  /// Whether the text holds a CR or LF anywhere. Works on Unicode scalars: in Swift "\r\n" is one Character
  /// equal to neither "\r" nor "\n", so a Character comparison would miss it (header injection).
  package var containsLineBreak: Bool {
    unicodeScalars.contains { $0 == "\n" || $0 == "\r" }
  }

  /// The text with every CR and LF removed.
  package var removingLineBreaks: String {
    var scalars = String.UnicodeScalarView()
    scalars.append(contentsOf: unicodeScalars.filter { $0 != "\n" && $0 != "\r" })
    return String(scalars)
  }
}

extension StringProtocol {
  /// The text without leading and trailing characters from `characters` (index walk, no copies).
  package func trimming(_ characters: String) -> String {
    var start = startIndex
    var end = endIndex
    while start < end, characters.contains(self[start]) { start = index(after: start) }
    while end > start {
      let before = index(before: end)
      guard characters.contains(self[before]) else { break }
      end = before
    }
    return String(self[start..<end])
  }
}
