import VigilCore
import VigilNet

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// One condition a website target must meet, written the Gatus way: `status == 200`,
/// `status in [200, 204]`, `total < 800ms`, `connect < 200ms`, `body contains "ok"`.
public struct WebsiteCondition: Sendable, Hashable, CustomStringConvertible {
  /// What is compared.
  public enum Subject: String, Sendable, Hashable, CaseIterable {
    case status, total, dns, connect, tls, ttfb, transfer, body
  }

  /// How it is compared.
  public enum Comparison: Sendable, Hashable {
    case equal(Double), notEqual(Double), less(Double), lessOrEqual(Double), greater(Double), greaterOrEqual(
      Double)
    case oneOf([Double])
    case contains(String), notContains(String)
  }

  public var subject: Subject
  public var comparison: Comparison
  /// The condition as written.
  public var source: String

  public var description: String { source }

  /// Subjects that are planned (issue 4) but not built yet: refused with a clear message.
  static let notYetBuilt = ["body matches", "$.", "header", "certificate", "cert"]

  /// Parses one condition; errors name the place via `value`.
  public static func parse(_ value: ConfigValue) throws(ConfigError) -> WebsiteCondition {
    let text = try value.string().trimmingCharacters(in: " ")
    let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).map(String.init)
    for planned in notYetBuilt where text.hasPrefix(planned) || text.contains(" matches ") {
      throw value.error(
        "condition '\(text)': regex, JSON-path, header and certificate conditions are not built yet; supported now: status, total, dns, connect, tls, ttfb, transfer (with == != < <= > >=, 'in [..]' for status) and 'body contains \"…\"'"
      )
    }
    guard parts.count == 3, let subject = Subject(rawValue: parts[0].lowercased()) else {
      throw value.error(
        "condition '\(text)' is not understood: expected '<subject> <operator> <value>' with subject one of \(Subject.allCases.map(\.rawValue).joined(separator: ", ")) (e.g. 'status == 200', 'total < 800ms')"
      )
    }
    let operatorText = parts[1]
    let operand = parts[2]
    let comparison: Comparison
    switch subject {
    case .body:
      guard operatorText == "contains" || operatorText == "!contains" else {
        throw value.error(
          "condition '\(text)': body supports 'contains' and '!contains', found '\(operatorText)'")
      }
      let needle = unquote(operand)
      comparison = operatorText == "contains" ? .contains(needle) : .notContains(needle)
    case .status:
      if operatorText == "in" {
        let inner = operand.trimmingCharacters(in: "[] ")
        let codes = inner.split(separator: ",").map { $0.trimmingCharacters(in: " ") }
        let numbers = codes.compactMap { Double($0) }
        guard !codes.isEmpty, numbers.count == codes.count else {
          throw value.error("condition '\(text)': expected a list of status codes like 'in [200, 204]'")
        }
        comparison = .oneOf(numbers)
      } else {
        guard let number = Double(operand), number >= 0 else {
          throw value.error("condition '\(text)': '\(operand)' is not a status code")
        }
        comparison = try numeric(operatorText, number, value: value, text: text)
      }
    default:
      guard let seconds = ConfigValue.parseDuration(operand, defaultUnit: 0.001) else {
        throw value.error("condition '\(text)': '\(operand)' is not a duration (e.g. 800ms, 2s)")
      }
      comparison = try numeric(operatorText, seconds * 1000, value: value, text: text)
    }
    return WebsiteCondition(subject: subject, comparison: comparison, source: text)
  }

  private static func numeric(_ op: String, _ number: Double, value: ConfigValue, text: String)
    throws(ConfigError) -> Comparison
  {
    switch op {
    case "==": return .equal(number)
    case "!=": return .notEqual(number)
    case "<": return .less(number)
    case "<=": return .lessOrEqual(number)
    case ">": return .greater(number)
    case ">=": return .greaterOrEqual(number)
    default:
      throw value.error("condition '\(text)': unknown operator '\(op)'; use ==, !=, <, <=, >, >= or 'in'")
    }
  }

  private static func unquote(_ text: String) -> String {
    if text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first {
      return String(text.dropFirst().dropLast())
    }
    return text
  }

  /// Checks the response; nil when met, or what was found instead.
  public func evaluate(_ response: HTTPResponse) -> String? {
    let actual: Double
    switch subject {
    case .status: actual = Double(response.status)
    case .total: actual = response.timings.totalMs
    case .dns: actual = response.timings.dnsMs
    case .connect: actual = response.timings.connectMs
    case .tls: actual = response.timings.tlsMs
    case .ttfb: actual = response.timings.firstByteMs
    case .transfer: actual = response.timings.transferMs
    case .body:
      let body = String(decoding: response.body, as: UTF8.self)
      switch comparison {
      case .contains(let needle): return body.contains(needle) ? nil : "body does not contain \"\(needle)\""
      case .notContains(let needle): return body.contains(needle) ? "body contains \"\(needle)\"" : nil
      default: return nil
      }
    }
    let met: Bool
    switch comparison {
    case .equal(let expected): met = actual == expected
    case .notEqual(let expected): met = actual != expected
    case .less(let expected): met = actual < expected
    case .lessOrEqual(let expected): met = actual <= expected
    case .greater(let expected): met = actual > expected
    case .greaterOrEqual(let expected): met = actual >= expected
    case .oneOf(let values): met = values.contains(actual)
    case .contains, .notContains: met = true
    }
    if met { return nil }
    return subject == .status ? "\(Int(actual))" : "\(Self.format(milliseconds: actual))"
  }

  static func format(milliseconds: Double) -> String {
    milliseconds >= 1000
      ? "\((milliseconds / 10).rounded() / 100)s" : "\((milliseconds * 10).rounded() / 10)ms"
  }
}

extension StringProtocol {
  func trimmingCharacters(in set: String) -> String {
    String(self.drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
  }
}
