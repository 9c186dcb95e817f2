import VigilCore
import VigilNet

/// One condition a website target must meet, written the Gatus way:
/// `status == 200`, `status in [200, 204]`, `total < 800ms`, `connect < 200ms`, `body contains "ok"`,
/// `body matches "v[0-9]+"`, `$.status == "UP"`, `header Content-Type contains "json"`, `certificate > 14d`.
package struct WebsiteCondition: Sendable, Hashable, CustomStringConvertible {
  /// What is compared.
  package enum Subject: Sendable, Hashable {
    case status, total, dns, connect, tls, ttfb, transfer, body, certificate
    case jsonPath([JSONPathStep])
    case header(String)

    static let timings: [String: Subject] = [
      "total": .total, "dns": .dns, "connect": .connect, "tls": .tls, "ttfb": .ttfb, "transfer": .transfer,
    ]
  }

  /// How it is compared.
  package enum Comparison: Sendable, Hashable {
    case equal(Double), notEqual(Double), less(Double), lessOrEqual(Double), greater(Double), greaterOrEqual(
      Double)
    case oneOf([Double])
    case contains(String), notContains(String), matches(String), notMatches(String)
    case equalValue(JSONValue), notEqualValue(JSONValue)
    case exists, notExists
  }

  package var subject: Subject
  package var comparison: Comparison
  /// The condition as written.
  package var source: String

  package var description: String { source }

  static let help =
    "expected e.g. 'status == 200', 'status in [200, 204]', 'total < 800ms' (total, dns, connect, tls, ttfb, transfer), 'body contains \"ok\"', 'body matches \"v[0-9]+\"', '$.status == \"UP\"', 'header Content-Type contains \"json\"', 'certificate > 14d'"

  /// Parses one condition; errors name the place via `value`.
  package static func parse(_ value: ConfigValue) throws(ConfigError) -> WebsiteCondition {
    let text = try value.string().trimming(" ")
    func fail(_ reason: String) -> ConfigError { value.error("condition '\(text.excerpt(80))': \(reason)") }
    var tokens = ConditionTokens(text)
    guard let first = tokens.next() else { throw fail("empty; \(help)") }
    let lowered = first.lowercased()
    if first.hasPrefix("$") {
      let path: [JSONPathStep]
      do {
        path = try JSONPathStep.parse(first)
      } catch {
        throw fail(error.reason)
      }
      return WebsiteCondition(
        subject: .jsonPath(path), comparison: try valueComparison(&tokens, fail), source: text)
    }
    switch lowered {
    case "header":
      guard let name = tokens.next(), !name.containsLineBreak else {
        throw fail("'header' needs a header name")
      }
      return WebsiteCondition(
        subject: .header(name), comparison: try textComparison(&tokens, fail, allowValue: true), source: text)
    case "body":
      return WebsiteCondition(
        subject: .body, comparison: try textComparison(&tokens, fail, allowValue: false), source: text)
    case "certificate", "cert":
      guard let op = tokens.next(), let operand = tokens.next(), tokens.next() == nil,
        let seconds = ConfigValue.parseDuration(operand, defaultUnit: 86_400)
      else { throw fail("expected 'certificate > 14d' (time left before the certificate expires)") }
      return WebsiteCondition(subject: .certificate, comparison: try numeric(op, seconds, fail), source: text)
    case "status":
      guard let op = tokens.next() else { throw fail("'status' needs an operator") }
      if op == "in" {
        let rest = tokens.rest.trimming("[] ")
        let codes = rest.split(separator: ",").map { $0.trimming(" ") }
        let numbers = codes.compactMap { Double($0) }
        guard !codes.isEmpty, numbers.count == codes.count else {
          throw fail("expected a list of status codes like 'in [200, 204]'")
        }
        return WebsiteCondition(subject: .status, comparison: .oneOf(numbers), source: text)
      }
      guard let operand = tokens.next(), tokens.next() == nil, let number = Double(operand), number >= 0
      else {
        throw fail("expected a status code after '\(op)'")
      }
      return WebsiteCondition(subject: .status, comparison: try numeric(op, number, fail), source: text)
    default:
      guard let subject = Subject.timings[lowered] else {
        throw fail("'\(first)' is not understood; \(help)")
      }
      guard let op = tokens.next(), let operand = tokens.next(), tokens.next() == nil else {
        throw fail("expected '\(first) < 800ms'")
      }
      guard let seconds = ConfigValue.parseDuration(operand, defaultUnit: 0.001) else {
        throw fail("'\(operand)' is not a duration (e.g. 800ms, 2s)")
      }
      return WebsiteCondition(
        subject: subject, comparison: try numeric(op, seconds * 1000, fail), source: text)
    }
  }

  private static func numeric(_ op: String, _ number: Double, _ fail: (String) -> ConfigError)
    throws(ConfigError) -> Comparison
  {
    switch op {
    case "==": return .equal(number)
    case "!=": return .notEqual(number)
    case "<": return .less(number)
    case "<=": return .lessOrEqual(number)
    case ">": return .greater(number)
    case ">=": return .greaterOrEqual(number)
    default: throw fail("unknown operator '\(op)'; use ==, !=, <, <=, >, >= or 'in'")
    }
  }

  private static func textComparison(
    _ tokens: inout ConditionTokens, _ fail: (String) -> ConfigError, allowValue: Bool
  ) throws(ConfigError) -> Comparison {
    guard let op = tokens.next() else {
      throw fail(
        "missing operator: contains, !contains, matches, !matches\(allowValue ? ", ==, !=, exists" : "")")
    }
    if allowValue && (op == "exists" || op == "!exists") {
      guard tokens.next() == nil else { throw fail("nothing may follow '\(op)'") }
      return op == "exists" ? .exists : .notExists
    }
    guard let operand = tokens.next(), tokens.next() == nil else {
      throw fail("'\(op)' needs one quoted value")
    }
    switch op {
    case "contains": return .contains(operand)
    case "!contains": return .notContains(operand)
    case "matches", "!matches":
      do {
        _ = try TextPattern(operand)
      } catch {
        throw fail("bad regular expression '\(operand)': \(error)")
      }
      return op == "matches" ? .matches(operand) : .notMatches(operand)
    case "==" where allowValue: return .equalValue(.string(operand))
    case "!=" where allowValue: return .notEqualValue(.string(operand))
    default:
      throw fail(
        "unknown operator '\(op)'; use contains, !contains, matches, !matches\(allowValue ? ", ==, !=, exists, !exists" : "")"
      )
    }
  }

  private static func valueComparison(_ tokens: inout ConditionTokens, _ fail: (String) -> ConfigError)
    throws(ConfigError) -> Comparison
  {
    guard let op = tokens.next() else {
      throw fail("a JSON path needs an operator: ==, !=, <, <=, >, >=, exists")
    }
    if op == "exists" || op == "!exists" { return op == "exists" ? .exists : .notExists }
    guard let operand = tokens.nextWithQuoting(), tokens.next() == nil else {
      throw fail("'\(op)' needs one value")
    }
    let expected: JSONValue
    if operand.quoted {
      expected = .string(operand.text)
    } else if operand.text == "true" || operand.text == "false" {
      expected = .bool(operand.text == "true")
    } else if operand.text == "null" {
      expected = .null
    } else if let number = Double(operand.text) {
      if op != "==" && op != "!=" { return try numeric(op, number, fail) }
      expected = .double(number)
    } else {
      expected = .string(operand.text)
    }
    switch op {
    case "==": return .equalValue(expected)
    case "!=": return .notEqualValue(expected)
    default: throw fail("'\(op)' compares numbers; '\(operand.text)' is not one")
    }
  }
}

/// Splits a condition into words, keeping "quoted strings" whole.
struct ConditionTokens {
  private var rest_: Substring

  init(_ text: String) { rest_ = Substring(text) }

  var rest: String { String(rest_) }

  mutating func next() -> String? { nextWithQuoting()?.text }

  mutating func nextWithQuoting() -> (text: String, quoted: Bool)? {
    rest_ = rest_.drop(while: { $0 == " " })
    guard let first = rest_.first else { return nil }
    if first == "\"" || first == "'" {
      var text = ""
      var index = rest_.index(after: rest_.startIndex)
      while index < rest_.endIndex, rest_[index] != first {
        if rest_[index] == "\\", rest_.index(after: index) < rest_.endIndex {
          index = rest_.index(after: index)
        }
        text.append(rest_[index])
        index = rest_.index(after: index)
      }
      rest_ = index < rest_.endIndex ? rest_[rest_.index(after: index)...] : rest_[rest_.endIndex...]
      return (text, true)
    }
    let end = rest_.firstIndex(of: " ") ?? rest_.endIndex
    let word = String(rest_[..<end])
    rest_ = rest_[end...]
    return (word, false)
  }
}
