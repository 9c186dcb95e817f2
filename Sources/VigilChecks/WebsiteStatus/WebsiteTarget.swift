import VigilCore
import VigilNet

/// One URL that `website-status` checks, with its conditions.
package struct WebsiteTarget: Sendable {
  package var name: String
  package var url: String
  package var method: String
  package var headers: [(name: String, value: String)]
  package var body: String?
  package var timeout: Double
  package var connectTimeout: Double
  package var insecure: Bool
  package var caFile: String?
  package var followRedirects: Bool
  package var maxBodyBytes: Int
  package var conditions: [WebsiteCondition]
  package var severity: AlertCandidate.Severity

  static let keys = [
    "name", "url", "method", "headers", "body", "timeout", "connectTimeout", "insecure", "caFile",
    "followRedirects", "maxBodyBytes", "conditions", "severity",
  ]
}

/// The `website-status` configuration: `functions/website-status/config.yml`.
package struct WebsiteStatusConfig: Sendable {
  package var targets: [WebsiteTarget]
  /// How many targets are checked at once.
  package var concurrency: Int

  /// Reads the configuration (or an event's `targets` override, which has the same shape).
  package static func read(_ root: ConfigValue) throws(ConfigError) -> WebsiteStatusConfig {
    let map = try root.mapping(allowed: ["targets", "defaults", "concurrency"])
    let defaults = try map.optional("defaults")?.mapping(
      allowed: WebsiteTarget.keys.filter { $0 != "name" && $0 != "url" })
    var targets: [WebsiteTarget] = []
    var names: Set<String> = []
    for item in try map.required("targets").list() {
      let target = try readTarget(item, defaults: defaults)
      if !names.insert(target.name).inserted {
        throw item.error("two targets are named '\(target.name)'; names identify alerts and must be unique")
      }
      targets.append(target)
    }
    if targets.isEmpty { throw map.owner.error("'targets' is empty: list at least one URL to check") }
    let concurrency = try map.optional("concurrency")?.int() ?? 16
    guard (1...1024).contains(concurrency) else {
      throw (map.optional("concurrency") ?? root).error("'concurrency' must be 1-1024, found \(concurrency)")
    }
    return WebsiteStatusConfig(targets: targets, concurrency: concurrency)
  }

  private static func readTarget(_ item: ConfigValue, defaults: ConfigMapping?) throws(ConfigError)
    -> WebsiteTarget
  {
    let map = try item.mapping(allowed: WebsiteTarget.keys)
    func value(_ key: String) -> ConfigValue? { map.optional(key) ?? defaults?.optional(key) }
    let urlValue = try map.required("url")
    let url = try urlValue.string()
    guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
      throw urlValue.error(
        "'url' must start with http:// or https://, found \(urlValue.shown(Redactor.redactURL(url)))")
    }
    Redactor.shared.registerSecrets(inURL: url)
    var headers: [(name: String, value: String)] = []
    for (name, headerValue) in try value("headers")?.stringMap() ?? [:] {
      guard !name.containsLineBreak, !name.contains(":"), !headerValue.containsLineBreak else {
        throw (value("headers") ?? item).error("header '\(name.excerpt())' contains a line break or ':'")
      }
      if EnvironmentSubstitution.looksSecret(name) || name.lowercased() == "authorization" {
        Redactor.shared.register(headerValue)
      }
      headers.append((name, headerValue))
    }
    var conditions: [WebsiteCondition] = []
    for condition in try value("conditions")?.list() ?? [] {
      conditions.append(try WebsiteCondition.parse(condition))
    }
    if conditions.isEmpty {
      conditions = [WebsiteCondition(subject: .status, comparison: .less(400), source: "status < 400")]
    }
    let severityText = try value("severity")?.string() ?? "critical"
    guard let severity = AlertCandidate.Severity(rawValue: severityText) else {
      throw (value("severity") ?? item).error(
        "'severity' must be info, warning or critical, found \((value("severity") ?? item).shown(severityText))"
      )
    }
    let insecure = try value("insecure")?.bool() ?? false
    return WebsiteTarget(
      name: try map.optional("name")?.string() ?? URLText.host(of: url),
      url: url, method: try value("method")?.string().uppercased() ?? "GET", headers: headers,
      body: try value("body")?.string(), timeout: try value("timeout")?.duration(within: 0.001...3_600) ?? 10,
      connectTimeout: try value("connectTimeout")?.duration(within: 0.001...600) ?? 5, insecure: insecure,
      caFile: try value("caFile")?.string(), followRedirects: try value("followRedirects")?.bool() ?? true,
      maxBodyBytes: try value("maxBodyBytes")?.int(within: 0...(64 << 20)) ?? 1 << 20, conditions: conditions,
      severity: severity)
  }
}
