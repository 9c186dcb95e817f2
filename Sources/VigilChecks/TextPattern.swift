#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A compiled POSIX extended regular expression (the C library's `regcomp`), with the shorthands operators
/// type from other dialects: `\d \D \w \W \s \S` (also inside brackets, except the negated ones) and
/// `\t \n \r`. It matches bytes: `.` is any one byte but NUL (a newline too), `^` and `$` are the ends of
/// the whole text, and text after a NUL byte is still searched. Swift's `Regex` is not used: its module adds
/// about 1 MB to the static binary.
///
/// The compiled form belongs to this value alone and is freed once, when it goes away.
package struct TextPattern: ~Copyable {
  package struct SyntaxError: Error, CustomStringConvertible {
    package let description: String
  }

  private let compiled: UnsafeMutablePointer<regex_t>
  /// How many parenthesised groups the pattern has.
  package let groupCount: Int

  /// Compiles `pattern`, or throws the C library's reason (e.g. "Unmatched [, [^, [:, [., or [=").
  package init(_ pattern: String) throws(SyntaxError) {
    let compiled = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
    compiled.initialize(to: regex_t())
    let status = Self.translated(pattern).withCString { regcomp(compiled, $0, REG_EXTENDED) }
    guard status == 0 else {
      var reason = [CChar](repeating: 0, count: 256)
      regerror(status, compiled, &reason, reason.count)
      compiled.deallocate()  // regcomp frees what it built when it fails
      let text = reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
      throw SyntaxError(description: String(decoding: text, as: UTF8.self))
    }
    self.compiled = compiled
    self.groupCount = Int(compiled.pointee.re_nsub)
  }

  deinit {
    regfree(compiled)
    compiled.deallocate()
  }

  /// Whether the pattern matches anywhere in `text`.
  package func matches(_ text: String) -> Bool {
    firstMatch(in: text) != nil
  }

  /// The first match in `text`: the whole match followed by each group (nil for a group that took no part).
  package func firstMatch(in text: String) -> [Substring?]? {
    var bytes = Array(text.utf8)
    let length = bytes.count
    bytes.append(0)  // never read (the extent is given), it only makes the buffer non-empty
    var slots = [regmatch_t](repeating: regmatch_t(), count: groupCount + 1)
    slots[0].rm_so = 0
    slots[0].rm_eo = regoff_t(length)
    let status = bytes.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { chars in
        // REG_STARTEND reads the text's extent from slots[0], so a NUL inside the text does not end it.
        regexec(compiled, chars.baseAddress, slots.count, &slots, REG_STARTEND)
      }
    }
    guard status == 0 else { return nil }
    return slots.map { slot -> Substring? in
      guard slot.rm_so >= 0, slot.rm_eo >= slot.rm_so, Int(slot.rm_eo) <= length else { return nil }
      let utf8 = text.utf8
      let start = utf8.index(utf8.startIndex, offsetBy: Int(slot.rm_so))
      let end = utf8.index(utf8.startIndex, offsetBy: Int(slot.rm_eo))
      return Substring(utf8[start..<end])
    }
  }

  /// `pattern` with the other dialects' shorthands spelled in POSIX terms.
  static func translated(_ pattern: String) -> String {
    let outside: [Character: String] = [
      "d": "[0-9]", "D": "[^0-9]", "w": "[[:alnum:]_]", "W": "[^[:alnum:]_]", "s": "[[:space:]]",
      "S": "[^[:space:]]", "t": "\t", "n": "\n", "r": "\r",
    ]
    let inside: [Character: String] = [
      "d": "0-9", "w": "[:alnum:]_", "s": "[:space:]", "t": "\t", "n": "\n", "r": "\r",
    ]
    var result = ""
    var characters = Array(pattern)[...]
    var inBrackets = false
    while let character = characters.popFirst() {
      if inBrackets {
        if character == "\\", let next = characters.first, let spelled = inside[next] {
          characters.removeFirst()
          result += spelled
          continue
        }
        if character == "[", let next = characters.first, next == ":" || next == "." || next == "=" {
          // A class like [:digit:] inside a bracket expression runs to its own closing ":]".
          result.append(character)
          while let inner = characters.popFirst() {
            result.append(inner)
            if inner == next, characters.first == "]" {
              result.append(characters.removeFirst())
              break
            }
          }
          continue
        }
        if character == "]" { inBrackets = false }
        result.append(character)
        continue
      }
      if character == "\\", let next = characters.first {
        characters.removeFirst()
        if let spelled = outside[next] { result += spelled } else { result += "\\\(next)" }
        continue
      }
      if character == "[" {
        inBrackets = true
        result.append(character)
        // A ']' right after '[' or '[^' is a member, not the end.
        if characters.first == "^" { result.append(characters.removeFirst()) }
        if characters.first == "]" { result.append(characters.removeFirst()) }
        continue
      }
      result.append(character)
    }
    return result
  }
}
