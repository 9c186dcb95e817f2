import VigilCore
import VigilCron

/// What is known of one reporting host, kept in the state store by `heartbeat-ingest` and read by
/// `heartbeat-watchdog`.
package struct HeartbeatRecord: Sendable, Codable, Hashable {
  package var host: String
  package var firstSeen: Instant
  package var lastSeen: Instant
  /// Reports received, ever.
  package var reports: Int
  /// False once the host said it is being retired (`{"active": false}`): the watchdog leaves it alone.
  package var active: Bool
  /// The figures of the last report (CPU, memory…), as sent.
  package var figures: JSONValue?
  /// The address the last report came from, when the gateway said.
  package var sourceIP: String?

  package init(
    host: String, firstSeen: Instant, lastSeen: Instant, reports: Int, active: Bool,
    figures: JSONValue? = nil,
    sourceIP: String? = nil
  ) {
    self.host = host
    self.firstSeen = firstSeen
    self.lastSeen = lastSeen
    self.reports = reports
    self.active = active
    self.figures = figures
    self.sourceIP = sourceIP
  }

  enum CodingKeys: String, CodingKey { case host, firstSeen, lastSeen, reports, active, figures, sourceIP }

  /// Reads a record; its figures only down to `maximumFigureDepth` levels (deeper ones, from a record written
  /// before figures were bounded, are dropped), so no host's record costs more to read than a well-formed one.
  package init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    host = try container.decode(String.self, forKey: .host)
    firstSeen = try container.decode(Instant.self, forKey: .firstSeen)
    lastSeen = try container.decode(Instant.self, forKey: .lastSeen)
    reports = try container.decode(Int.self, forKey: .reports)
    active = try container.decode(Bool.self, forKey: .active)
    sourceIP = try container.decodeIfPresent(String.self, forKey: .sourceIP)
    figures =
      container.contains(.figures)
      ? try? Self.bounded(container.superDecoder(forKey: .figures), depth: 0) : nil
  }

  struct TooDeep: Error {}

  /// Any JSON value, refusing (early, without reading further) one nested past the figures' limit.
  static func bounded(_ decoder: any Decoder, depth: Int) throws -> JSONValue {
    if var items = try? decoder.unkeyedContainer() {
      guard depth < maximumFigureDepth else { throw TooDeep() }
      var values: [JSONValue] = []
      while !items.isAtEnd { values.append(try bounded(items.superDecoder(), depth: depth + 1)) }
      return .array(values)
    }
    if let fields = try? decoder.container(keyedBy: AnyKey.self) {
      guard depth < maximumFigureDepth else { throw TooDeep() }
      var object: [String: JSONValue] = [:]
      for key in fields.allKeys {
        object[key.stringValue] = try bounded(fields.superDecoder(forKey: key), depth: depth + 1)
      }
      return .object(object)
    }
    return try JSONValue(from: decoder)
  }

  struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  /// The most nesting, values and characters per string accepted in a report's figures: far beyond real
  /// figures (`{"cpu": 12.5, "disks": {"/": 81}}`), far below what costs anything to store and read back.
  package static let maximumFigureDepth = 8
  package static let maximumFigureValues = 1_000
  package static let maximumFigureText = 1_024

  /// Why `figures` cannot be kept, or nil when they can.
  package static func problem(with figures: JSONValue) -> String? {
    var values = 0
    func visit(_ value: JSONValue, depth: Int) -> String? {
      values += 1
      if values > maximumFigureValues { return "more than \(maximumFigureValues) values in the figures" }
      switch value {
      case .object(let fields):
        if depth >= maximumFigureDepth { return "figures nested deeper than \(maximumFigureDepth) levels" }
        for (name, field) in fields {
          if name.utf8.count > maximumFigureText {
            return "a figure name longer than \(maximumFigureText) bytes"
          }
          if let problem = visit(field, depth: depth + 1) { return problem }
        }
      case .array(let items):
        if depth >= maximumFigureDepth { return "figures nested deeper than \(maximumFigureDepth) levels" }
        for item in items {
          if let problem = visit(item, depth: depth + 1) { return problem }
        }
      case .string(let text):
        if text.utf8.count > maximumFigureText { return "a figure longer than \(maximumFigureText) bytes" }
      default: break
      }
      return nil
    }
    return visit(figures, depth: 0)
  }

  /// Where a host's record lives: a folder per host, so concurrent reports from many hosts do not queue on
  /// one directory.
  package static func key(_ host: String) -> String { "heartbeats/hosts/\(host)/last.json" }
  package static let prefix = "heartbeats/hosts/"

  /// Host names: letters, digits, `.`, `-`, `_`; 1-64 characters (they become state keys and alert targets).
  package static func isValidHost(_ host: String) -> Bool {
    (1...64).contains(host.utf8.count) && !host.hasPrefix(".")
      && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
  }
}
