import VigilCore
import VigilNet

/// One metric's threshold and how samples are judged against it (the alert policy's evaluators).
package struct MetricThreshold: Sendable, Hashable {
  package var over: Double
  /// nil: the project policy's trigger.
  package var trigger: AlertTrigger?

  static let keys = ["over", "average", "of", "consecutive"]

  /// Reads `{over: X, average: k | of: [n, m] | consecutive: n}`; `extra` are the metric's own keys, returned
  /// with the mapping for the caller to read.
  static func read(_ value: ConfigValue?, extra: [String] = []) throws(ConfigError) -> (
    threshold: MetricThreshold, fields: ConfigMapping
  )? {
    guard let value else { return nil }
    let fields = try value.mapping(allowed: keys + extra)
    let over = try fields.required("over").double()
    var threshold = MetricThreshold(over: over, trigger: nil)
    if let average = fields.optional("average") {
      let count = try average.int()
      guard (1...100).contains(count) else { throw average.error("'average' (samples) must be 1-100") }
      threshold.trigger = .movingAverage(samples: count, above: over)
    } else if let ofValue = fields.optional("of") {
      let pair = try ofValue.list()
      guard pair.count == 2, let n = try? pair[0].int(), let m = try? pair[1].int(), n >= 1, n <= m, m <= 100
      else { throw ofValue.error("'of' is [N, M]: N of the last M samples over the threshold, 1 <= N <= M") }
      threshold.trigger = .nOfM(n: n, m: m)
    } else if let consecutive = fields.optional("consecutive") {
      let count = try consecutive.int()
      guard (1...100).contains(count) else { throw consecutive.error("'consecutive' must be 1-100") }
      threshold.trigger = .consecutive(count)
    }
    return (threshold, fields)
  }
}

/// The `host-resources` configuration: `functions/host-resources/config.yml`.
package struct HostResourcesConfig: Sendable {
  package var host: String?
  package var sampleInterval: Double
  package var cpu: MetricThreshold?
  package var memory: MetricThreshold?
  package var swap: MetricThreshold?
  package var load: MetricThreshold?
  /// Load per core rather than the raw load average.
  package var loadPerCore: Bool
  package var disk: MetricThreshold?
  package var mounts: [String]?
  package var processes: [String]
  package var reportTo: (url: String, token: String?)?
  package var severity: AlertCandidate.Severity

  package static func read(_ root: ConfigValue?) throws(ConfigError) -> HostResourcesConfig {
    guard let root else {
      return HostResourcesConfig(
        host: nil, sampleInterval: 0.5, cpu: nil, memory: nil, swap: nil, load: nil, loadPerCore: true,
        disk: nil,
        mounts: nil, processes: [], reportTo: nil, severity: .warning)
    }
    let map = try root.mapping(allowed: [
      "host", "sampleInterval", "cpu", "memory", "swap", "load", "disk", "processes", "reportTo", "severity",
    ])
    let load = try MetricThreshold.read(map.optional("load"), extra: ["perCore"])
    let disk = try MetricThreshold.read(map.optional("disk"), extra: ["mounts"])
    var config = HostResourcesConfig(
      host: try map.optional("host")?.string(),
      sampleInterval: try map.optional("sampleInterval")?.duration(within: 0...60) ?? 0.5,
      cpu: try MetricThreshold.read(map.optional("cpu"))?.threshold,
      memory: try MetricThreshold.read(map.optional("memory"))?.threshold,
      swap: try MetricThreshold.read(map.optional("swap"))?.threshold, load: load?.threshold,
      loadPerCore: try load?.fields.optional("perCore")?.bool() ?? true, disk: disk?.threshold,
      mounts: try disk?.fields.optional("mounts")?.stringList(),
      processes: try map.optional("processes")?.stringList() ?? [], reportTo: nil,
      severity: .warning)
    guard (0...10).contains(config.sampleInterval) else {
      throw try map.required("sampleInterval").error("'sampleInterval' must be 0-10 s")
    }
    for (name, threshold) in [
      ("cpu", config.cpu), ("memory", config.memory), ("swap", config.swap), ("disk", config.disk),
    ] {
      if let threshold, !(0...100).contains(threshold.over) {
        throw try map.required(name).error("'\(name).over' is a percentage, 0-100; found \(threshold.over)")
      }
    }
    if let report = map.optional("reportTo") {
      let fields = try report.mapping(allowed: ["url", "token"])
      let urlValue = try fields.required("url")
      let url = try urlValue.string()
      guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
        throw urlValue.error(
          "'reportTo.url' must be an http(s) URL, e.g. https://monitor.example.com/heartbeat/web-01")
      }
      let token = try fields.optional("token")?.string()
      if let token, !token.isEmpty { Redactor.shared.register(token) }
      config.reportTo = (url, token)
    }
    let severityText = try map.optional("severity")?.string() ?? "warning"
    guard let severity = AlertCandidate.Severity(rawValue: severityText) else {
      throw try map.required("severity").error(
        "'severity' must be info, warning or critical, found \(try map.required("severity").shown(severityText))"
      )
    }
    config.severity = severity
    return config
  }
}
