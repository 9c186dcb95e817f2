/// A Nagios / monitoring-plugins answer: the exit status as a state, the first line's text as the summary,
/// later lines as long text, and the performance data after each `|` (on the first line, and from the first
/// later line that has one to the end), as the plugin development guidelines lay them out.
package struct NagiosOutput: Sendable, Equatable {
  /// The plugin states, by exit status.
  package enum State: String, Sendable, Codable, Equatable {
    case ok = "OK", warning = "WARNING", critical = "CRITICAL", unknown = "UNKNOWN"

    package init(exitStatus: Int32) {
      switch exitStatus {
      case 0: self = .ok
      case 1: self = .warning
      case 2: self = .critical
      default: self = .unknown
      }
    }
  }

  package var summary: String
  package var longText: [String]
  package var perfdata: [Perfdatum]
  /// Perfdata items that could not be read, quoted short.
  package var unreadable: [String]

  /// One `'label'=value[UOM];[warn];[crit];[min];[max]` item; ranges are kept as written.
  package struct Perfdatum: Sendable, Equatable, Codable {
    package var label: String
    package var value: Double?
    package var unit: String
    package var warn: String?
    package var crit: String?
    package var min: Double?
    package var max: Double?
  }

  /// At most this many perfdata items are read.
  package static let maxItems = 256

  package init(text: String) {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.hasSuffix("\r") ? $0.dropLast() : $0
    }
    var first = lines.first.map(String.init) ?? ""
    var perfText: [String] = []
    if let bar = first.firstIndex(of: "|") {
      perfText.append(String(first[first.index(after: bar)...]))
      first = String(first[..<bar])
    }
    var long: [String] = []
    var inPerf = false
    for line in lines.dropFirst() {
      if inPerf {
        perfText.append(String(line))
      } else if let bar = line.firstIndex(of: "|") {
        long.append(String(line[..<bar]))
        perfText.append(String(line[line.index(after: bar)...]))
        inPerf = true
      } else {
        long.append(String(line))
      }
    }
    while let last = long.last, last.allSatisfy(\.isWhitespace) { long.removeLast() }
    summary = String(first.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    longText = long
    var items: [Perfdatum] = []
    var bad: [String] = []
    for text in perfText {
      for token in Self.tokens(text) {
        guard items.count < Self.maxItems else { break }
        if let item = Self.perfdatum(token) {
          items.append(item)
        } else {
          bad.append(String(token.prefix(60)))
        }
      }
    }
    perfdata = items
    unreadable = bad
  }

  /// Space-separated items; a quoted label may hold spaces (`''` is a quote inside it).
  static func tokens(_ text: String) -> [String] {
    var result: [String] = []
    var current = ""
    var quoted = false
    var characters = Array(text)[...]
    while let character = characters.popFirst() {
      if character == "'" {
        if quoted, characters.first == "'" {
          current.append("'")
          characters = characters.dropFirst()
          continue
        }
        quoted.toggle()
        current.append(character)
      } else if character.isWhitespace && !quoted {
        if !current.isEmpty { result.append(current) }
        current = ""
      } else {
        current.append(character)
      }
    }
    if !current.isEmpty { result.append(current) }
    return result
  }

  static func perfdatum(_ token: String) -> Perfdatum? {
    guard let equals = token.lastIndex(of: "=") else { return nil }
    var label = String(token[..<equals])
    if label.hasPrefix("'") && label.hasSuffix("'") && label.count >= 2 {
      label = String(label.dropFirst().dropLast())
    }
    guard !label.isEmpty else { return nil }
    let fields = token[token.index(after: equals)...].split(separator: ";", omittingEmptySubsequences: false)
    guard let valueText = fields.first, !valueText.isEmpty else { return nil }
    let number = valueText.prefix {
      $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" || $0 == "E"
    }
    let unit = String(valueText.dropFirst(number.count))
    let value = Double(number)
    // "U" is the guidelines' "could not be determined".
    guard value != nil || valueText == "U", unit.count <= 8,
      unit.allSatisfy({ $0.isLetter || $0 == "%" || $0 == "/" })
    else { return nil }
    func field(_ index: Int) -> String? {
      index < fields.count && !fields[index].isEmpty ? String(fields[index]) : nil
    }
    return Perfdatum(
      label: label, value: value, unit: valueText == "U" ? "" : unit, warn: field(1), crit: field(2),
      min: field(3).flatMap(Double.init), max: field(4).flatMap(Double.init))
  }
}
