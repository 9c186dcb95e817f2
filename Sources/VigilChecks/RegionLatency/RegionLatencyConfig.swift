import VigilCore
import VigilNet

/// The `region-latency` configuration: `functions/region-latency/config.yml`.
package struct RegionLatencyConfig: Sendable {
  package var name: String
  package var target: RegionTarget
  package var providers: [any RegionProvider]
  package var rules: RegionRules
  package var severity: AlertCandidate.Severity

  /// Reads the configuration; `transport` is what every provider sends through.
  package static func read(_ root: ConfigValue, transport: any HTTPTransport) throws(ConfigError)
    -> RegionLatencyConfig
  {
    let map = try root.mapping(allowed: [
      "name", "url", "method", "timeout", "providers", "rules", "severity", "insecure", "caFile",
    ])
    let urlValue = try map.required("url")
    let url = try urlValue.string()
    guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
      throw urlValue.error(
        "'url' must start with http:// or https://, found \(urlValue.shown(Redactor.redactURL(url)))")
    }
    let target = RegionTarget(
      url: url, method: try map.optional("method")?.string().uppercased() ?? "GET",
      timeout: try map.optional("timeout")?.duration(within: 0.001...3_600) ?? 10)
    var providers: [any RegionProvider] = []
    for item in try map.required("providers").list() {
      providers.append(
        try readProvider(
          item, transport: transport, target: target, caFile: try map.optional("caFile")?.string(),
          insecure: try map.optional("insecure")?.bool() ?? false))
    }
    if providers.isEmpty {
      throw map.owner.error("'providers' is empty: list at least one of local, deployed, globalping, form-scrape")
    }
    var rules = RegionRules()
    if let value = map.optional("rules") {
      let fields = try value.mapping(allowed: [
        "anyRegionOver", "failingRegions", "percentile", "percentileOver",
      ])
      rules.anyRegionOverMs = try fields.optional("anyRegionOver").map { v throws(ConfigError) in
        try v.duration(defaultUnit: 0.001, within: 0...3_600) * 1000
      }
      if let count = fields.optional("failingRegions") {
        rules.failingRegions = try count.int()
        guard rules.failingRegions >= 1 else { throw count.error("'failingRegions' must be at least 1") }
      }
      if let percentile = fields.optional("percentile") {
        rules.percentile = try percentile.double()
        guard (1...100).contains(rules.percentile ?? 0) else {
          throw percentile.error("'percentile' must be 1-100")
        }
        rules.percentileOverMs =
          try fields.required("percentileOver").duration(defaultUnit: 0.001, within: 0...3_600) * 1000
      }
    }
    let severityText = try map.optional("severity")?.string() ?? "critical"
    guard let severity = AlertCandidate.Severity(rawValue: severityText) else {
      throw (map.optional("severity") ?? root).error(
        "'severity' must be info, warning or critical, found \((map.optional("severity") ?? root).shown(severityText))"
      )
    }
    return RegionLatencyConfig(
      name: try map.optional("name")?.string() ?? URLText.host(of: url), target: target, providers: providers,
      rules: rules,
      severity: severity)
  }

  private static func readProvider(
    _ item: ConfigValue, transport: any HTTPTransport, target: RegionTarget, caFile: String?, insecure: Bool
  ) throws(ConfigError) -> any RegionProvider {
    guard case .mapping(let entries) = item.node.kind, entries.contains(where: { $0.key == "type" }) else {
      throw item.error(
        "each provider is a mapping with 'type: local', 'type: globalping' or 'type: form-scrape'")
    }
    let type = try ConfigValue(
      entries.first { $0.key == "type" }?.value ?? item.node, path: "\(item.path).type",
      substitution: item.substitution
    ).string()
    switch type {
    case "local":
      _ = try item.mapping(allowed: ["type"])
      return LocalRegionProvider(transport: transport, caFile: caFile, insecure: insecure)
    case "deployed":
      let fields = try item.mapping(allowed: ["type", "regions", "window"])
      let regionsValue = try fields.required("regions")
      let regions = try regionsValue.stringList()
      guard (2...16).contains(regions.count), Set(regions).count == regions.count else {
        throw regionsValue.error(
          "'\(regionsValue.path)' needs 2 to 16 different regions, found \(regions.count)")
      }
      let window = try fields.optional("window")?.duration(within: 1...86_400) ?? 300
      return DeployedRegionsProvider(
        local: LocalRegionProvider(transport: transport, caFile: caFile, insecure: insecure),
        regions: regions,
        window: window)
    case "globalping":
      let fields = try item.mapping(allowed: [
        "type", "endpoint", "token", "locations", "limit", "pollInterval", "maxWait",
      ])
      let locations = try fields.required("locations").stringList()
      if locations.isEmpty {
        throw try fields.required("locations").error(
          "'locations' is empty: e.g. [Germany, Japan, California]")
      }
      let token = try fields.optional("token")?.string()
      if let token, !token.isEmpty { Redactor.shared.register(token) }
      let limit = try fields.optional("limit")?.int() ?? 1
      guard (1...50).contains(limit) else {
        throw try fields.required("limit").error("'limit' (probes per location) must be 1-50")
      }
      return GlobalpingProvider(
        transport: transport,
        endpoint: try fields.optional("endpoint")?.string() ?? "https://api.globalping.io/v1", token: token,
        locations: locations, limitPerLocation: limit,
        pollInterval: try fields.optional("pollInterval")?.duration(within: 0.05...60) ?? 1,
        maxWait: try fields.optional("maxWait")?.duration(within: 0.1...3_600) ?? 30)
    case "form-scrape":
      let fields = try item.mapping(allowed: [
        "type", "endpoint", "nodes", "form", "extract", "unit", "timeout", "concurrency",
      ])
      let endpointValue = try fields.required("endpoint")
      let endpoint = try endpointValue.string()
      guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") else {
        throw endpointValue.error("'endpoint' must be an http(s) URL")
      }
      var nodes: [FormScrapeProvider.Node] = []
      for node in try fields.required("nodes").list() {
        let nodeFields = try node.mapping(allowed: ["id", "name"])
        let id = try nodeFields.required("id").string()
        nodes.append(.init(id: id, name: try nodeFields.optional("name")?.string() ?? id))
      }
      if nodes.isEmpty { throw try fields.required("nodes").error("'nodes' is empty") }
      let form = try fields.required("form").stringMap().sorted { $0.key < $1.key }.map {
        (name: $0.key, value: $0.value)
      }
      let extractValue = try fields.required("extract")
      var extract: [(name: String, extractor: FormScrapeProvider.Extractor)] = []
      let allowedFigures = ["total", "dns", "connect", "tls", "ttfb", "download", "status"]
      guard case .mapping(let extractEntries) = extractValue.node.kind else {
        throw extractValue.error(
          "'extract' maps figure names (\(allowedFigures.joined(separator: ", "))) to a regex or a $.json.path"
        )
      }
      for entry in extractEntries {
        guard allowedFigures.contains(entry.key) else {
          throw ConfigError(
            entry.keyMark,
            "unknown figure '\(entry.key)'; expected one of: \(allowedFigures.joined(separator: ", "))")
        }
        let pattern = try ConfigValue(
          entry.value, path: "\(extractValue.path).\(entry.key)", substitution: item.substitution
        ).string()
        if pattern.hasPrefix("$") {
          do {
            extract.append((entry.key, .jsonPath(try JSONPathStep.parse(pattern))))
          } catch {
            throw ConfigError(entry.value.mark, error.reason)
          }
        } else {
          let groups: Int
          do { groups = try TextPattern(pattern).groupCount } catch {
            throw ConfigError(entry.value.mark, "bad regular expression for '\(entry.key)': \(error)")
          }
          guard groups >= 1 else {
            throw ConfigError(
              entry.value.mark,
              "the regex for '\(entry.key)' needs a capture group around the number, e.g. 'alltime\":\"([0-9.]+)'"
            )
          }
          extract.append((entry.key, .regex(pattern)))
        }
      }
      guard extract.contains(where: { $0.name == "total" }) else {
        throw extractValue.error("'extract' needs at least 'total'")
      }
      let unit = try fields.optional("unit")?.string() ?? "ms"
      guard unit == "ms" || unit == "s" else {
        throw try fields.required("unit").error(
          "'unit' must be ms or s, found \(try fields.required("unit").shown(unit))")
      }
      return FormScrapeProvider(
        transport: transport, endpoint: endpoint, nodes: nodes, form: form, extract: extract,
        scale: unit == "s" ? 1000 : 1,
        timeout: try fields.optional("timeout")?.duration(within: 0.001...3_600) ?? target.timeout,
        concurrency: try fields.optional("concurrency")?.int(within: 1...64) ?? 8)
    default:
      throw item.error("unknown provider type '\(type.excerpt())'; expected local, deployed, globalping or form-scrape")
    }
  }
}
