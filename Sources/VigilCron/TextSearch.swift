// Substring search and replacement over UTF-8 bytes. The standard library's `contains(_:)`,
// `firstRange(of:)` and `replacing(_:with:)` for strings live in the _StringProcessing module, which (with
// its regex parser) adds about 1 MB to the static binary; Vigil's texts (headers, URLs, configuration, bodies)
// are compared as bytes, which is also what an operator means by "the body contains X".
// `scripts/check-release` fails if the shipped binary links _StringProcessing again.

extension Collection where Element: Equatable {
  /// The first place where `needle` occurs as a contiguous run, or nil; an empty needle is found at the start.
  package func firstRange(ofElements needle: some Collection<Element>) -> Range<Index>? {
    var start = startIndex
    while true {
      var here = start
      var wanted = needle.startIndex
      while wanted != needle.endIndex, here != endIndex, self[here] == needle[wanted] {
        formIndex(after: &here)
        needle.formIndex(after: &wanted)
      }
      if wanted == needle.endIndex { return start..<here }
      if here == endIndex || start == endIndex { return nil }
      formIndex(after: &start)
    }
  }
}

extension StringProtocol {
  /// The first place where `needle`'s UTF-8 bytes occur in this text's, or nil.
  package func range(ofText needle: some StringProtocol) -> Range<Index>? {
    utf8.firstRange(ofElements: needle.utf8)
  }

  /// Whether `needle`'s UTF-8 bytes occur in this text's (an empty needle always does).
  package func includes(_ needle: some StringProtocol) -> Bool {
    // Native strings keep their bytes in one buffer: scanned directly, this is several times faster than
    // through the view's indices (the redactor checks every log line against every secret).
    let direct = utf8.withContiguousStorageIfAvailable { hay in
      needle.utf8.withContiguousStorageIfAvailable { wanted in Self.occurs(wanted, in: hay) }
    }
    if let found = direct ?? nil { return found }
    return range(ofText: needle) != nil
  }

  private static func occurs(_ wanted: UnsafeBufferPointer<UInt8>, in hay: UnsafeBufferPointer<UInt8>) -> Bool
  {
    guard let first = wanted.first else { return true }
    guard wanted.count <= hay.count else { return false }
    var start = 0
    while start <= hay.count - wanted.count {
      if hay[start] == first {
        var offset = 1
        while offset < wanted.count && hay[start + offset] == wanted[offset] { offset += 1 }
        if offset == wanted.count { return true }
      }
      start += 1
    }
    return false
  }

  /// This text with every occurrence of `target` (found left to right, not overlapping) replaced by
  /// `replacement`; an empty target replaces nothing.
  package func replacingEvery(_ target: some StringProtocol, with replacement: some StringProtocol) -> String
  {
    guard !target.isEmpty else { return String(self) }
    let text = String(self)
    var result = ""
    var rest = text[...]
    while let found = rest.range(ofText: target) {
      result += rest[..<found.lowerBound]
      result += replacement
      rest = rest[found.upperBound...]
    }
    result += rest
    return result
  }
}
