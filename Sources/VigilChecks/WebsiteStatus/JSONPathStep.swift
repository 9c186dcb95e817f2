import VigilCore

/// One step of a small JSON path: `$.status`, `$.checks.db`, `$.items[0].name`, `$["odd key"]`.
package enum JSONPathStep: Sendable, Hashable, CustomStringConvertible {
  case key(String)
  case index(Int)

  package var description: String {
    switch self {
    case .key(let key): return ".\(key)"
    case .index(let index): return "[\(index)]"
    }
  }

  /// Parses a path starting with `$`.
  static func parse(_ text: String) throws(JSONPathError) -> [JSONPathStep] {
    guard text.first == "$" else { throw JSONPathError(reason: "a JSON path starts with '$'") }
    var steps: [JSONPathStep] = []
    var rest = text.dropFirst()
    while let first = rest.first {
      if first == "." {
        rest = rest.dropFirst()
        let key = rest.prefix { $0 != "." && $0 != "[" }
        guard !key.isEmpty else { throw JSONPathError(reason: "empty key in JSON path '\(text)'") }
        steps.append(.key(String(key)))
        rest = rest.dropFirst(key.count)
      } else if first == "[" {
        guard let close = rest.firstIndex(of: "]") else {
          throw JSONPathError(reason: "unclosed '[' in JSON path '\(text)'")
        }
        let inner = rest[rest.index(after: rest.startIndex)..<close]
        if let index = Int(inner), index >= 0 {
          steps.append(.index(index))
        } else if inner.count >= 2, let quote = inner.first, quote == "\"" || quote == "'",
          inner.last == quote
        {
          steps.append(.key(String(inner.dropFirst().dropLast())))
        } else {
          throw JSONPathError(reason: "'[\(inner)]' in JSON path '\(text)' must be an index or a quoted key")
        }
        rest = rest[rest.index(after: close)...]
      } else {
        throw JSONPathError(
          reason: "unexpected '\(first)' in JSON path '\(text)'; write $.key, $.list[0] or $[\"key\"]")
      }
    }
    return steps
  }

  /// The value at `path` in `json`, or nil when absent.
  static func resolve(_ path: [JSONPathStep], in json: JSONValue) -> JSONValue? {
    var current: JSONValue? = json
    for step in path {
      switch step {
      case .key(let key): current = current?[key]
      case .index(let index):
        guard let items = current?.arrayValue, index < items.count else { return nil }
        current = items[index]
      }
    }
    return current
  }
}

/// Why a JSON path could not be read.
struct JSONPathError: Error {
  var reason: String
}
