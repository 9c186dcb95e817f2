import VigilCore
import VigilCron

/// What `/metrics` exposes: each target's latest run under blackbox_exporter's names (so its Grafana
/// dashboards work unchanged), Kafka lag under kafka_exporter's, any other check's figure, and Vigil's own
/// figures (outbox, notifications, open incidents). Labels: `function`, `target`, `region`.
package enum MetricsExport {
  /// blackbox_exporter's phase names for the web check's timings.
  static let phases: [(figure: String, phase: String)] = [
    ("dns", "resolve"), ("connect", "connect"), ("tls", "tls"), ("ttfb", "processing"),
    ("transfer", "transfer"),
  ]

  /// Every target's families; with `outboxPending`, Vigil's own as well (a push of one run's figures has none).
  package static func render(_ model: StatusPageModel, outboxPending: Int?) -> String {
    var metrics = PrometheusText()
    for target in model.targets {
      for region in target.regions {
        guard let latest = region.latest else { continue }
        let labels = [("function", target.function), ("target", target.name), ("region", region.region)]
        let figures = latest.figures
        metrics.add(
          "probe_success", labels, latest.up ? 1 : 0, help: "Whether the latest run saw the target up")
        if let total = figures["total"] {
          metrics.add(
            "probe_duration_seconds", labels, total / 1000, help: "How long the latest probe took, in seconds"
          )
          for (figure, phase) in phases {
            guard let value = figures[figure] else { continue }
            metrics.add(
              "probe_http_duration_seconds", labels + [("phase", phase)], value / 1000,
              help: "Duration of the latest HTTP request by phase, in seconds")
          }
          if let dns = figures["dns"] {
            metrics.add(
              "probe_dns_lookup_time_seconds", labels, dns / 1000, help: "The latest DNS lookup, in seconds")
          }
        }
        if let status = figures["status"] {
          metrics.add(
            "probe_http_status_code", labels, status, help: "The latest response's HTTP status code")
        }
        if let expiry = figures["certExpiry"] {
          metrics.add(
            "probe_ssl_earliest_cert_expiry", labels, expiry,
            help: "When the server's certificate expires, in Unix seconds")
        }
        var partitions = 0
        for (name, lag) in figures.sorted(by: { $0.key < $1.key }) where name.hasPrefix("lag:") {
          let parts = name.dropFirst(4)
          guard let colon = parts.lastIndex(of: ":") else { continue }
          partitions += 1
          metrics.add(
            "kafka_consumergroup_lag",
            [
              ("consumergroup", target.name), ("topic", String(parts[..<colon])),
              ("partition", String(parts[parts.index(after: colon)...])), ("function", target.function),
              ("region", region.region),
            ], lag, help: "Current approximate lag of a consumer group at topic/partition")
        }
        if figures["total"] == nil, partitions == 0, let value = figures["value"] {
          metrics.add(
            "vigil_check_value", labels, value, help: "The figure the check judged in its latest run")
        }
        metrics.add(
          "vigil_last_run_timestamp_seconds", labels, Double(latest.time),
          help: "When the latest run saw the target, in Unix seconds")
        for (window, share) in [
          ("24h", region.uptime.day), ("7d", region.uptime.week), ("30d", region.uptime.month),
          ("90d", region.uptime.quarter),
        ] {
          guard let share else { continue }
          metrics.add(
            "vigil_uptime_ratio", labels + [("window", window)], share,
            help: "Share of runs that saw the target up over the window")
        }
      }
    }
    guard let outboxPending else { return metrics.text }
    metrics.add(
      "vigil_outbox_pending", [], Double(outboxPending), help: "Notifications waiting in the outbox")
    var totals: [String: [String: Int]] = [:]
    for function in model.functions {
      metrics.add(
        "vigil_incidents_open", [("function", function.name)],
        Double(function.incidents.count { $0.resolved == nil }), help: "Incidents open now")
      for (channel, results) in function.notifications {
        for (result, count) in results { totals[channel, default: [:]][result, default: 0] += count }
      }
    }
    for (channel, results) in totals.sorted(by: { $0.key < $1.key }) {
      for (result, count) in results.sorted(by: { $0.key < $1.key }) {
        metrics.add(
          "vigil_notifications_total", [("channel", channel), ("result", result)], Double(count),
          help: "Delivery attempts per channel and result", kind: .counter)
      }
    }
    return metrics.text
  }
}
