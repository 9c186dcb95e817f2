extension StringProtocol {
  /// Whether the text holds a CR or LF anywhere. Works on Unicode scalars: in Swift "\r\n" is one Character
  /// equal to neither "\r" nor "\n", so a Character comparison would miss it (header injection).
  public var containsLineBreak: Bool {
    unicodeScalars.contains { $0 == "\n" || $0 == "\r" }
  }

  /// The text with every CR and LF removed.
  public var removingLineBreaks: String {
    var scalars = String.UnicodeScalarView()
    scalars.append(contentsOf: unicodeScalars.filter { $0 != "\n" && $0 != "\r" })
    return String(scalars)
  }
}
