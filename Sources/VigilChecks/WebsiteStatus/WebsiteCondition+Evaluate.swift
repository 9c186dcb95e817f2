import VigilCore
import VigilCron
import VigilNet

extension WebsiteCondition {
  /// Checks the response at `now`; nil when the condition is met, else what was found instead.
  package func evaluate(_ response: HTTPResponse, now: Instant = Instant()) -> String? {
    switch subject {
    case .status: return compareNumber(Double(response.status)) { "\(Int($0))" }
    case .total: return compareNumber(response.timings.totalMs, format: Self.format(milliseconds:))
    case .dns: return compareNumber(response.timings.dnsMs, format: Self.format(milliseconds:))
    case .connect: return compareNumber(response.timings.connectMs, format: Self.format(milliseconds:))
    case .tls: return compareNumber(response.timings.tlsMs, format: Self.format(milliseconds:))
    case .ttfb: return compareNumber(response.timings.firstByteMs, format: Self.format(milliseconds:))
    case .transfer: return compareNumber(response.timings.transferMs, format: Self.format(milliseconds:))
    case .certificate:
      guard let expiry = response.certificateExpiry else {
        return "no certificate seen (plain HTTP, or no TLS handshake)"
      }
      let left = expiry.timeIntervalSince(now)
      return compareNumber(left) {
        left < 0 ? "expired \(Self.format(days: -$0)) ago" : "\(Self.format(days: $0)) left"
      }
    case .body:
      return compareText(String(decoding: response.body, as: UTF8.self), what: "body")
    case .header(let name):
      let value = response.header(name)
      switch comparison {
      case .exists: return value == nil ? "no \(name) header" : nil
      case .notExists: return value.map { "\(name): \($0)" }
      default:
        guard let value else { return "no \(name) header" }
        return compareText(value, what: "\(name)")
      }
    case .jsonPath(let path):
      guard let json = try? JSONValue.parse(response.body) else {
        return "body is not JSON\(response.truncated ? " (truncated at maxBodyBytes)" : "")"
      }
      let found = JSONPathStep.resolve(path, in: json)
      let pathText = "$" + path.map(\.description).joined()
      switch comparison {
      case .exists: return found == nil ? "\(pathText) is absent" : nil
      case .notExists: return found.map { "\(pathText) is \($0.encodedString())" }
      case .equalValue(let expected), .notEqualValue(let expected):
        let equal = found.map { Self.jsonEqual($0, expected) } ?? false
        let wantEqual = { if case .equalValue = comparison { return true } else { return false } }()
        if equal == wantEqual { return nil }
        return found.map { "\(pathText) is \($0.encodedString())" } ?? "\(pathText) is absent"
      default:
        guard let number = found?.doubleValue else {
          return found.map { "\(pathText) is \($0.encodedString()), not a number" } ?? "\(pathText) is absent"
        }
        return compareNumber(number) { "\(pathText) is \(Self.trim($0))" }
      }
    }
  }

  private func compareNumber(_ actual: Double, format: (Double) -> String) -> String? {
    let met: Bool
    switch comparison {
    case .equal(let expected): met = actual == expected
    case .notEqual(let expected): met = actual != expected
    case .less(let expected): met = actual < expected
    case .lessOrEqual(let expected): met = actual <= expected
    case .greater(let expected): met = actual > expected
    case .greaterOrEqual(let expected): met = actual >= expected
    case .oneOf(let values): met = values.contains(actual)
    default: met = true
    }
    return met ? nil : format(actual)
  }

  private func compareText(_ text: String, what: String) -> String? {
    switch comparison {
    case .contains(let needle): return text.includes(needle) ? nil : "\(what) does not contain \"\(needle)\""
    case .notContains(let needle): return text.includes(needle) ? "\(what) contains \"\(needle)\"" : nil
    case .matches(let pattern), .notMatches(let pattern):
      let found = (try? TextPattern(pattern))?.matches(text) ?? false
      let wanted: Bool = { if case .matches = comparison { return true } else { return false } }()
      if found == wanted { return nil }
      return wanted ? "\(what) does not match /\(pattern)/" : "\(what) matches /\(pattern)/"
    case .equalValue(let expected): return .string(text) == expected ? nil : "\(what) is \"\(text)\""
    case .notEqualValue(let expected): return .string(text) == expected ? "\(what) is \"\(text)\"" : nil
    default: return nil
    }
  }

  static func jsonEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    if let x = a.doubleValue, let y = b.doubleValue { return x == y }
    return a == b
  }

  static func format(milliseconds: Double) -> String {
    milliseconds >= 1000
      ? "\((milliseconds / 10).rounded() / 100)s" : "\((milliseconds * 10).rounded() / 10)ms"
  }

  static func format(days seconds: Double) -> String {
    seconds >= 86_400
      ? "\(Int(seconds / 86_400))d \(Int(seconds.truncatingRemainder(dividingBy: 86_400) / 3600))h"
      : "\(Int(seconds / 3600))h"
  }

  static func trim(_ number: Double) -> String {
    number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
  }
}
