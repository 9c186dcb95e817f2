/// Prometheus text exposition (format 0.0.4): each family's HELP and TYPE once, then its samples, label values
/// escaped as the format requires.
package struct PrometheusText: Sendable {
  package enum Kind: String, Sendable { case gauge, counter }

  private var families: [(name: String, help: String, kind: Kind, samples: [String])] = []
  private var index: [String: Int] = [:]

  package init() {}

  /// Adds one sample of `name` (declared on first use with `help` and `kind`).
  package mutating func add(
    _ name: String, _ labels: [(String, String)], _ value: Double, help: String, kind: Kind = .gauge
  ) {
    let position: Int
    if let known = index[name] {
      position = known
    } else {
      position = families.count
      index[name] = position
      families.append((name, help, kind, []))
    }
    let rendered = labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",")
    families[position].samples.append(
      name + (labels.isEmpty ? "" : "{\(rendered)}") + " " + Self.number(value))
  }

  package var text: String {
    var out = ""
    for family in families {
      out += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.kind.rawValue)\n"
      for sample in family.samples { out += sample + "\n" }
    }
    return out
  }

  /// `\`, `"` and newlines escaped, as label values need.
  static func escape(_ value: String) -> String {
    var out = ""
    for character in value {
      switch character {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "\n": out += "\\n"
      default: out.append(character)
      }
    }
    return out
  }

  /// Integers without a fraction; others in Swift's shortest round-trip form; NaN and infinities spelled out.
  static func number(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
  }
}
