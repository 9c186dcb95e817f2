/// A set of integers 0-191 as a bit mask (bit n = value n is in the set): enough for 130 years.
struct CronBitSet: Sendable, Hashable {
  private var word0: UInt64 = 0
  private var word1: UInt64 = 0
  private var word2: UInt64 = 0

  private func word(_ index: Int) -> UInt64 {
    switch index {
    case 0: return word0
    case 1: return word1
    default: return word2
    }
  }

  func contains(_ value: Int) -> Bool {
    guard value >= 0, value < 192 else { return false }
    return (word(value / 64) >> UInt64(value % 64)) & 1 == 1
  }

  mutating func insert(_ value: Int) {
    guard value >= 0, value < 192 else { return }
    let bit: UInt64 = 1 << UInt64(value % 64)
    switch value / 64 {
    case 0: word0 |= bit
    case 1: word1 |= bit
    default: word2 |= bit
    }
  }

  var isEmpty: Bool { word0 == 0 && word1 == 0 && word2 == 0 }

  /// The smallest member ≥ `value`, or nil.
  func next(atOrAfter value: Int) -> Int? {
    var index = max(0, value) / 64
    var shift = max(0, value) % 64
    while index < 3 {
      let masked = word(index) & (~0 << UInt64(shift))
      if masked != 0 { return index * 64 + masked.trailingZeroBitCount }
      index += 1
      shift = 0
    }
    return nil
  }

  var count: Int { word0.nonzeroBitCount + word1.nonzeroBitCount + word2.nonzeroBitCount }
}

/// One of the seven fields: its name, bounds and the names it accepts.
struct CronFieldKind: Sendable {
  var name: String
  var minimum: Int
  var maximum: Int
  var names: [String]
  /// The number the first name stands for.
  var firstNameValue: Int
  /// Subtracted from values before they go into the bit set (years are stored as offsets from 1970).
  var bitBase = 0

  static let second = CronFieldKind(name: "second", minimum: 0, maximum: 59, names: [], firstNameValue: 0)
  static let minute = CronFieldKind(name: "minute", minimum: 0, maximum: 59, names: [], firstNameValue: 0)
  static let hour = CronFieldKind(name: "hour", minimum: 0, maximum: 23, names: [], firstNameValue: 0)
  static let dayOfMonth = CronFieldKind(
    name: "day-of-month", minimum: 1, maximum: 31, names: [], firstNameValue: 0)
  static let month = CronFieldKind(
    name: "month", minimum: 1, maximum: 12,
    names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
    firstNameValue: 1)
  static let dayOfWeek = CronFieldKind(
    name: "day-of-week", minimum: 0, maximum: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    firstNameValue: 0)
  static let year = CronFieldKind(
    name: "year", minimum: 1970, maximum: 2099, names: [], firstNameValue: 0, bitBase: 1970)
}

/// Parses one field's text into values, reporting problems with the field and token named.
struct CronFieldParser {
  let kind: CronFieldKind
  let expression: String

  func fail(_ token: Substring, _ reason: String) -> CronError {
    CronError(expression: expression, field: kind.name, token: String(token), reason: reason)
  }

  /// A number or a name.
  func value(_ text: Substring, in token: Substring) throws(CronError) -> Int {
    if text.isEmpty { throw fail(token, "a value is missing") }
    if text.allSatisfy({ $0.isASCII && $0.isNumber }) {
      guard text.count <= 4, let number = Int(text) else { throw fail(token, "'\(text)' is not a number") }
      if kind.name == "day-of-week" && number == 7 {
        throw fail(token, "7 is not a day of week here: 0 is Sunday and 6 is Saturday (or use SUN-SAT)")
      }
      guard number >= kind.minimum, number <= kind.maximum else {
        throw fail(token, "\(number) is out of range \(kind.minimum)-\(kind.maximum)")
      }
      return number
    }
    if let index = kind.names.firstIndex(of: text.uppercased()) {
      return kind.firstNameValue + index
    }
    if kind.names.isEmpty {
      throw fail(token, "'\(text)' is not a number (expected \(kind.minimum)-\(kind.maximum))")
    }
    throw fail(
      token,
      "'\(text)' is not a number or a name (expected \(kind.minimum)-\(kind.maximum) or \(kind.names.first ?? "")-\(kind.names.last ?? ""))"
    )
  }

  /// Adds the values of one list item (`*`, `a`, `a-b`, `*/n`, `a/n`, `a-b/n`; ranges may wrap) to `set`.
  func addItem(_ token: Substring, to set: inout CronBitSet) throws(CronError) {
    var rangePart = token
    var step = 1
    var stepped = false
    if let slash = token.firstIndex(of: "/") {
      rangePart = token[token.startIndex..<slash]
      let stepText = token[token.index(after: slash)...]
      guard !stepText.isEmpty, stepText.allSatisfy({ $0.isASCII && $0.isNumber }), let parsed = Int(stepText)
      else {
        throw fail(token, "the step after '/' must be a positive whole number")
      }
      let span = kind.maximum - kind.minimum + 1
      guard parsed >= 1 else { throw fail(token, "a step of 0 is invalid") }
      guard parsed < span else {
        throw fail(token, "step \(parsed) is too large for \(kind.name) (at most \(span - 1))")
      }
      if rangePart.isEmpty { throw fail(token, "a step needs a start: write '*/\(parsed)' or 'a/\(parsed)'") }
      step = parsed
      stepped = true
    }
    var start: Int
    var end: Int
    if rangePart == "*" {
      start = kind.minimum
      end = kind.maximum
    } else if let dash = rangePart.firstIndex(of: "-") {
      start = try value(rangePart[rangePart.startIndex..<dash], in: token)
      end = try value(rangePart[rangePart.index(after: dash)...], in: token)
      if end < start && kind.name == "year" {
        throw fail(token, "a year range must go forward (\(start) > \(end))")
      }
    } else {
      start = try value(rangePart, in: token)
      end = stepped ? kind.maximum : start
    }
    // A wrapping range (22-2, FRI-MON) runs to the maximum and on from the minimum.
    let span = kind.maximum - kind.minimum + 1
    let length = end >= start ? end - start : end + span - start
    var offset = 0
    while offset <= length {
      let raw = start + offset
      set.insert((raw > kind.maximum ? raw - span : raw) - kind.bitBase)
      offset += step
    }
  }
}
