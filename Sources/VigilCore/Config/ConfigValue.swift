import VigilCron

/// A YAML node read as configuration: typed accessors that substitute `${env:…}` and report problems with
/// their location and what was expected.
public struct ConfigValue: Sendable {
  /// The node being read.
  package let node: YAMLNode
  /// A dotted path for messages (`functions.website-status.timeout`).
  public let path: String
  /// The environment used for `${env:…}`.
  package let substitution: EnvironmentSubstitution

  package init(_ node: YAMLNode, path: String, substitution: EnvironmentSubstitution) {
    self.node = node
    self.path = path
    self.substitution = substitution
  }

  /// Reads YAML `text` as a function's configuration, the way `functions/<name>/config.yml` is read
  /// (`file` names it in errors; `${env:NAME}` is taken from `environment`): for a check's own tests.
  public static func parse(_ text: String, file: String = "config.yml", environment: [String: String] = [:])
    throws(ConfigError) -> ConfigValue
  {
    ConfigValue(
      try YAMLParser.parse(text, file: file), path: "config",
      substitution: EnvironmentSubstitution(environment: environment))
  }

  /// Where the value is written (file, line, column): the place an error names.
  public var mark: SourceMark { node.mark }
  /// True for an empty or `null` value.
  public var isNull: Bool { if case .null = node.kind { return true } else { return false } }

  /// A problem located at this value.
  public func error(_ message: String) -> ConfigError { ConfigError(node.mark, message) }

  /// How this value's `text` appears in an error: an excerpt in quotes, or, when the value came from
  /// `${env:…}`, the reference as written: a variable's value may be a secret and is never shown.
  public func shown(_ text: String) -> String {
    if case .scalar(let raw, _) = node.kind, raw.includes("${") {
      return "the value of '\(raw.excerpt(80))' (not shown)"
    }
    return "'\(text.excerpt())'"
  }

  /// The scalar text after `${env:…}` substitution.
  public func string() throws(ConfigError) -> String {
    switch node.kind {
    case .scalar(let text, _): return try substitution.substitute(text, at: node.mark)
    default: throw error("'\(path)' must be a string, found \(node.kindDescription)")
    }
  }

  /// An integer (decimal; `_` separators allowed).
  public func int() throws(ConfigError) -> Int {
    let text = try string()
    guard let value = Int(text.replacingEvery("_", with: "")) else {
      throw error("'\(path)' must be an integer, found \(shown(text))")
    }
    return value
  }

  /// An integer that must lie within `range` (every count and size Vigil reads has one).
  public func int(within range: ClosedRange<Int>) throws(ConfigError) -> Int {
    let value = try int()
    guard range.contains(value) else {
      throw error("'\(path)' must be \(range.lowerBound)-\(range.upperBound), found \(shown(String(value)))")
    }
    return value
  }

  /// A number.
  public func double() throws(ConfigError) -> Double {
    let text = try string()
    guard let value = Double(text) else { throw error("'\(path)' must be a number, found \(shown(text))") }
    return value
  }

  /// `true` or `false` (YAML 1.2 spelling; `yes`/`no` are refused to avoid surprises).
  public func bool() throws(ConfigError) -> Bool {
    let text = try string()
    switch text {
    case "true", "True", "TRUE": return true
    case "false", "False", "FALSE": return false
    default: throw error("'\(path)' must be true or false, found \(shown(text))")
    }
  }

  /// A duration such as `800ms`, `5s`, `2m`, `1h`, `1d`, or a bare number of `defaultUnit` seconds, in seconds;
  /// it must lie within `range` (every duration Vigil reads has one, so `inf` or `30d` for a timeout is an
  /// error naming the place, not a crash later).
  public func duration(defaultUnit: Double = 1, within range: ClosedRange<Double>) throws(ConfigError)
    -> Double
  {
    let text = try string()
    guard let seconds = ConfigValue.parseDuration(text, defaultUnit: defaultUnit) else {
      throw error("'\(path)' must be a duration like 500ms, 10s, 5m, 1h or 1d, found \(shown(text))")
    }
    guard range.contains(seconds) else {
      throw error(
        "'\(path)' must be between \(Self.describe(seconds: range.lowerBound)) and \(Self.describe(seconds: range.upperBound)), found \(shown(text))"
      )
    }
    return seconds
  }

  /// Parses `800ms`, `5s`, `2m`, `1h`, `1d`, `1.5s`; a bare number is in units of `defaultUnit` seconds.
  /// Negative, infinite and not-a-number values are not durations.
  public static func parseDuration(_ text: String, defaultUnit: Double = 1) -> Double? {
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
    var found: Double?
    for (suffix, scale) in units where text.hasSuffix(suffix) {
      if let value = Double(text.dropLast(suffix.count)) {
        found = value * scale
        break
      }
    }
    if found == nil, let value = Double(text) { found = value * defaultUnit }
    guard let seconds = found, seconds.isFinite, seconds >= 0 else { return nil }
    return seconds
  }

  /// A duration as an operator writes it: `0s`, `500ms`, `90s`, `5m`, `24h`, `7d`.
  public static func describe(seconds: Double) -> String {
    if seconds > 0 && seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
    let whole = Int(seconds.rounded())
    if whole >= 86_400 && whole % 86_400 == 0 { return "\(whole / 86_400)d" }
    if whole >= 3_600 && whole % 3_600 == 0 { return "\(whole / 3_600)h" }
    if whole >= 60 && whole % 60 == 0 { return "\(whole / 60)m" }
    return seconds == seconds.rounded() ? "\(whole)s" : "\(seconds)s"
  }

  /// This mapping without `key`, and `key`'s value (nil when absent): for a key the runtime reads out of a
  /// function's configuration (`quorum:`, `alerting:`) before the check sees the rest.
  package func splitting(_ key: String) -> (rest: ConfigValue, value: ConfigValue?) {
    guard case .mapping(let entries) = node.kind, let entry = entries.first(where: { $0.key == key }) else {
      return (self, nil)
    }
    let rest = YAMLNode(.mapping(entries.filter { $0.key != key }), at: node.mark)
    return (
      ConfigValue(rest, path: path, substitution: substitution),
      ConfigValue(entry.value, path: "\(path).\(key)", substitution: substitution)
    )
  }

  /// The elements of a list (a single scalar is not promoted: lists must be lists).
  public func list() throws(ConfigError) -> [ConfigValue] {
    switch node.kind {
    case .sequence(let items):
      return items.enumerated().map {
        ConfigValue($0.element, path: "\(path)[\($0.offset)]", substitution: substitution)
      }
    case .null: return []
    default: throw error("'\(path)' must be a list, found \(node.kindDescription)")
    }
  }

  /// A list of strings.
  public func stringList() throws(ConfigError) -> [String] {
    var result: [String] = []
    for item in try list() { result.append(try item.string()) }
    return result
  }

  /// The value as a mapping whose keys must all be in `allowed`.
  public func mapping(allowed: [String]) throws(ConfigError) -> ConfigMapping {
    guard case .mapping(let entries) = node.kind else {
      if case .null = node.kind { return ConfigMapping(entries: [], owner: self) }
      throw error("'\(path)' must be a mapping of 'key: value' lines, found \(node.kindDescription)")
    }
    for entry in entries where !allowed.contains(entry.key) {
      var message = "unknown key '\(entry.key.excerpt())' in '\(path)'"
      if let suggestion = ConfigValue.closest(entry.key, in: allowed) {
        message += " (did you mean '\(suggestion)'?)"
      }
      message += "; expected one of: \(allowed.joined(separator: ", "))"
      throw ConfigError(entry.keyMark, message)
    }
    return ConfigMapping(entries: entries, owner: self)
  }

  /// Whether the value is a list.
  public var isList: Bool { if case .sequence = node.kind { return true } else { return false } }

  /// A mapping with free-form keys (group names, topic names), each value with its own path.
  public func entries() throws(ConfigError) -> [(key: String, value: ConfigValue)] {
    guard case .mapping(let entries) = node.kind else {
      if case .null = node.kind { return [] }
      throw error("'\(path)' must be a mapping of names to values, found \(node.kindDescription)")
    }
    return entries.map {
      ($0.key, ConfigValue($0.value, path: "\(path).\($0.key)", substitution: substitution))
    }
  }

  /// A mapping with free-form keys (environment variables, headers, labels).
  public func stringMap() throws(ConfigError) -> [String: String] {
    guard case .mapping(let entries) = node.kind else {
      if case .null = node.kind { return [:] }
      throw error("'\(path)' must be a mapping of names to values, found \(node.kindDescription)")
    }
    var result: [String: String] = [:]
    for entry in entries {
      result[entry.key] = try ConfigValue(
        entry.value, path: "\(path).\(entry.key)", substitution: substitution
      ).string()
    }
    return result
  }

  /// The closest allowed key by edit distance, if close enough to be a likely typo.
  static func closest(_ key: String, in allowed: [String]) -> String? {
    let lowered = key.lowercased()
    var best: (String, Int)?
    // A key much longer or shorter than a candidate cannot be a typo of it (and a 1 MB key costs nothing).
    for candidate in allowed where abs(key.utf8.count - candidate.utf8.count) <= max(1, candidate.count / 3) {
      let distance = editDistance(lowered, candidate.lowercased())
      if distance <= max(1, candidate.count / 3), distance < (best?.1 ?? Int.max) {
        best = (candidate, distance)
      }
    }
    return best?.0
  }

  private static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in stride(from: 1, through: b.count, by: 1) {
        current[j] = min(
          previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return previous[b.count]
  }
}

/// A mapping being read: look up keys, with required ones reported by name and place when missing.
public struct ConfigMapping: Sendable {
  package let entries: [YAMLEntry]
  /// The mapping's own value (for errors about the whole mapping).
  public let owner: ConfigValue

  /// The value of `key`, or nil when absent (an explicit empty value counts as absent).
  public func optional(_ key: String) -> ConfigValue? {
    guard let entry = entries.first(where: { $0.key == key }) else { return nil }
    if case .null = entry.value.kind { return nil }
    let path = owner.path.isEmpty ? key : "\(owner.path).\(key)"
    return ConfigValue(entry.value, path: path, substitution: owner.substitution)
  }

  /// The value of `key`; an error naming the mapping's place when missing.
  public func required(_ key: String) throws(ConfigError) -> ConfigValue {
    guard let value = optional(key) else {
      throw owner.error("'\(owner.path)' is missing the required key '\(key)'")
    }
    return value
  }

  /// Whether `key` is present.
  public func has(_ key: String) -> Bool { entries.contains { $0.key == key } }
}
