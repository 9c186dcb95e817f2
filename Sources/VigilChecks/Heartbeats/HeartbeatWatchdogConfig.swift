import VigilCore
import VigilCron

/// `functions/heartbeat-watchdog/config.yml`.
package struct HeartbeatWatchdogConfig: Sendable {
  /// Per-host settings.
  package struct HostRule: Sendable {
    /// Expect a report per this schedule…
    package var cron: CronExpression?
    /// …within this many seconds of each fire time.
    package var grace: Double
    package var escalation: [Double]?
  }

  /// Seconds of silence at which to notify; the first makes a host failing.
  package var escalation: [Double]
  package var ignoreHours: Set<Int>
  package var maintenance: [(cron: CronExpression, duration: Double)]
  package var zone: Zone
  package var zoneName: String
  package var hosts: [String: HostRule]
  package var ignore: Set<String>
  package var severity: AlertCandidate.Severity

  package static let defaultEscalation: [Double] = [60, 600, 3600, 14_400, 86_400]

  package static func read(_ root: ConfigValue?, environment: [String: String]) throws(ConfigError)
    -> HeartbeatWatchdogConfig
  {
    let map = try
      (root?.mapping(allowed: [
        "escalation", "ignoreHours", "maintenance", "timezone", "hosts", "ignore", "severity",
      ]))
    let zoneValue = map?.optional("timezone")
    let zoneName = try zoneValue?.string() ?? environment["VIGIL_TIMEZONE"] ?? "UTC"
    let zone: Zone
    do { zone = try Zone.named(zoneName, environment: environment) } catch {
      throw (zoneValue ?? root)?.error("\(error)")
        ?? ConfigError(SourceMark(file: "heartbeat-watchdog", line: 1, column: 1), "\(error)")
    }
    var config = HeartbeatWatchdogConfig(
      escalation: try readOffsets(map?.optional("escalation")) ?? defaultEscalation, ignoreHours: [],
      maintenance: [],
      zone: zone, zoneName: zoneName, hosts: [:],
      ignore: Set(try map?.optional("ignore")?.stringList() ?? []),
      severity: .critical)
    if let hours = map?.optional("ignoreHours") {
      for item in try hours.list() {
        let hour = try item.int()
        guard (0...23).contains(hour) else { throw item.error("an ignored hour is 0-23, found \(hour)") }
        config.ignoreHours.insert(hour)
      }
    }
    for item in try map?.optional("maintenance")?.list() ?? [] {
      let fields = try item.mapping(allowed: ["cron", "duration"])
      config.maintenance.append(
        (
          try readCron(fields.required("cron")),
          try fields.required("duration").duration(within: 1...31 * 86_400)
        ))
    }
    for (host, value) in try map?.optional("hosts")?.entries() ?? [] {
      let fields = try value.mapping(allowed: ["cron", "grace", "escalation"])
      config.hosts[host] = HostRule(
        cron: try fields.optional("cron").map { v throws(ConfigError) in try readCron(v) },
        grace: try fields.optional("grace")?.duration(within: 0...86_400) ?? 0,
        escalation: try readOffsets(fields.optional("escalation")))
    }
    if let severity = map?.optional("severity") {
      let text = try severity.string()
      guard let parsed = AlertCandidate.Severity(rawValue: text) else {
        throw severity.error("'severity' must be info, warning or critical, found \(severity.shown(text))")
      }
      config.severity = parsed
    }
    return config
  }

  /// Durations (`1m`, `10m`, `1h`; bare numbers are minutes), ascending.
  static func readOffsets(_ value: ConfigValue?) throws(ConfigError) -> [Double]? {
    guard let value else { return nil }
    var offsets: [Double] = []
    for item in try value.list() {
      let seconds = try item.duration(defaultUnit: 60, within: 1...366 * 86_400)
      if let last = offsets.last, seconds <= last {
        throw item.error("escalation offsets must ascend (\(Int(seconds))s after \(Int(last))s)")
      }
      offsets.append(seconds)
    }
    if offsets.isEmpty { throw value.error("'escalation' is empty: e.g. [1m, 10m, 60m, 240m, 1440m]") }
    return offsets
  }

  static func readCron(_ value: ConfigValue) throws(ConfigError) -> CronExpression {
    do { return try CronExpression(try value.string()) } catch let error as CronError {
      throw value.error("\(error)")
    } catch {
      throw value.error("\(error)")
    }
  }
}
