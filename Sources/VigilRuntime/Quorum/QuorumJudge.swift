import VigilCore
import VigilCron

/// What the regions saw together, in the invocation's result (`quorum`): each region's freshness and each
/// target's verdict with the regions behind it.
package struct QuorumView: Sendable, Encodable, Hashable {
  package struct Region: Sendable, Encodable, Hashable {
    package var region: String
    /// `reporting` (a report within the window) or `unknown` (older, or none).
    package var status: String
    package var lastReport: Instant?
  }

  package struct Target: Sendable, Encodable, Hashable {
    package var key: String
    package var target: String
    /// `up`, `down` (the quorum agrees), `degraded` (down somewhere, short of the quorum), `slow` (up, but
    /// the latency rule over the regions' figures is broken) or `unknown` (too few regions know to decide).
    package var verdict: String
    package var down: [String]
    package var up: [String]
    package var unknown: [String]
    /// Each reporting region's one-line summary.
    package var seen: [String: String]
  }

  /// The region this run was in.
  package var region: String
  /// Regions that must agree for a target to be down.
  package var needed: Int
  package var window: Double
  package var regions: [Region]
  package var targets: [Target]
}

/// Combines the regions' latest reports into one candidate per target: pure, so every rule is tested with
/// made-up reports and times.
///
/// A target is down when at least `rule.down` regions whose report is within the window saw it down; up when
/// too few did and the others that could still tip it are known to be up; otherwise it is unknown and no
/// candidate is made (the policy keeps its state: a silent region never resolves an outage, nor starts one).
/// When fewer regions report than the quorum needs, a `quorum/regions` candidate fails ("2 of 3 regions
/// silent").
package enum QuorumJudge {
  package static func judge(
    rule: QuorumRule, function: String, region: String, reports: [String: RegionReport], now: Instant
  ) -> (candidates: [AlertCandidate], view: QuorumView) {
    let fresh = rule.regions.filter { name in
      reports[name].map { now.timeIntervalSince($0.observedAt) <= rule.window } ?? false
    }
    // Regions that are not reporting: those whose last report is too old and, once the deployment has been
    // reporting for a whole window, those that never reported.
    let established =
      reports.values.map(\.reportingSince).min().map { now.timeIntervalSince($0) > rule.window } ?? false
    let silent = rule.regions.filter { !fresh.contains($0) && (reports[$0] != nil || established) }
    var keys: [String] = []
    var byKey: [String: [String: AlertCandidate]] = [:]
    for name in fresh {
      for candidate in reports[name]?.candidates ?? [] {
        if byKey[candidate.key] == nil { keys.append(candidate.key) }
        byKey[candidate.key, default: [:]][name] = candidate
      }
    }
    var candidates: [AlertCandidate] = []
    var targets: [QuorumView.Target] = []
    for key in keys {
      let seen = byKey[key] ?? [:]
      let down = rule.regions.filter { seen[$0].map { !$0.healthy } ?? false }
      let up = rule.regions.filter { seen[$0]?.healthy ?? false }
      let unknown = rule.regions.filter { seen[$0] == nil }
      guard let template = seen[region] ?? rule.regions.lazy.compactMap({ seen[$0] }).first else { continue }
      var verdict: String
      if down.count >= rule.down {
        verdict = "down"
      } else if down.count + unknown.count >= rule.down {
        verdict = "unknown"
      } else {
        verdict = down.isEmpty ? "up" : "degraded"
      }
      let slowness = (verdict == "up" || verdict == "degraded") ? Self.slowness(rule, seen) : nil
      if slowness != nil { verdict = "slow" }
      targets.append(
        QuorumView.Target(
          key: key, target: template.target, verdict: verdict, down: down, up: up, unknown: unknown,
          seen: seen.mapValues(\.summary)))
      guard verdict != "unknown" else { continue }
      candidates.append(
        combined(
          template, verdict: verdict, seen: seen, down: down, slowness: slowness, rule: rule,
          reports: reports,
          now: now))
    }
    candidates.append(
      silence(rule: rule, function: function, fresh: fresh, silent: silent, reports: reports, now: now))
    let regions = rule.regions.map {
      QuorumView.Region(
        region: $0, status: fresh.contains($0) ? "reporting" : "unknown", lastReport: reports[$0]?.observedAt)
    }
    return (
      candidates,
      QuorumView(region: region, needed: rule.down, window: rule.window, regions: regions, targets: targets)
    )
  }

  /// The latency rule's finding when the regions' figures break it: `p90 across 3 regions is 1.4s, over 1s`.
  static func slowness(_ rule: QuorumRule, _ seen: [String: AlertCandidate]) -> String? {
    guard let latency = rule.latency else { return nil }
    let values = seen.values.filter(\.healthy).compactMap(\.value).sorted()
    guard !values.isEmpty else { return nil }
    let rank = Int((latency.percentile / 100 * Double(values.count)).rounded(.up))
    let value = values[min(values.count - 1, max(0, rank - 1))]
    guard value > latency.overMs else { return nil }
    return "p\(Int(latency.percentile)) across \(values.count) regions is \(milliseconds(value)),"
      + " over \(milliseconds(latency.overMs))"
  }

  private static func milliseconds(_ value: Double) -> String {
    value >= 1000 ? ConfigValue.describe(seconds: (value / 10).rounded() / 100) : "\(Int(value.rounded()))ms"
  }

  private static func combined(
    _ template: AlertCandidate, verdict: String, seen: [String: AlertCandidate], down: [String],
    slowness: String?, rule: QuorumRule, reports: [String: RegionReport], now: Instant
  ) -> AlertCandidate {
    let total = rule.regions.count
    let failing = down.compactMap { seen[$0] }
    let summary: String
    switch verdict {
    case "down":
      summary =
        "\(template.target) down from \(down.count) of \(total) regions (\(down.joined(separator: ", "))): "
        + (failing.first?.summary ?? template.summary)
    case "degraded":
      summary =
        "\(template.target) degraded: down from \(down.joined(separator: ", ")) only (\(down.count) of \(total),"
        + " quorum \(rule.down)): " + (failing.first?.summary ?? template.summary)
    case "slow":
      summary = "\(template.target) slow: \(slowness ?? "")"
    default:
      summary = "\(template.target) up in \(seen.count) of \(total) regions"
    }
    var facts = rule.regions.map { name -> AlertCandidate.Fact in
      if let candidate = seen[name] {
        return .init("region \(name)", (candidate.healthy ? "up: " : "down: ") + candidate.summary)
      }
      if let report = reports[name] {
        let age = Int(now.timeIntervalSince(report.observedAt).rounded())
        return .init("region \(name)", "unknown: last report \(age) s ago")
      }
      return .init("region \(name)", "unknown: no report yet")
    }
    facts.append(
      .init("quorum", "\(rule.down) of \(total) regions within \(ConfigValue.describe(seconds: rule.window))")
    )
    let values = seen.values.compactMap(\.value).sorted()
    return AlertCandidate(
      function: template.function, check: template.check, target: template.target,
      healthy: verdict != "down" && verdict != "slow",
      severity: failing.map(\.severity).max { rank($0) < rank($1) } ?? template.severity, summary: summary,
      facts: facts, observedAt: now, value: values.isEmpty ? nil : values[values.count / 2],
      since: failing.compactMap(\.since).min(), hints: template.hints)
  }

  private static func silence(
    rule: QuorumRule, function: String, fresh: [String], silent: [String], reports: [String: RegionReport],
    now: Instant
  ) -> AlertCandidate {
    let total = rule.regions.count
    let blind = !silent.isEmpty && fresh.count < rule.down
    let facts = silent.map { name -> AlertCandidate.Fact in
      guard let report = reports[name] else { return .init("region \(name)", "no report yet") }
      return .init(
        "region \(name)", "last report \(Int(now.timeIntervalSince(report.observedAt).rounded())) s ago")
    }
    let summary =
      blind
      ? "\(silent.count) of \(total) regions silent for over \(ConfigValue.describe(seconds: rule.window))"
        + " (\(silent.joined(separator: ", "))): the quorum of \(rule.down) cannot be reached"
      : "\(fresh.count) of \(total) regions reporting"
    return AlertCandidate(
      function: function, check: "quorum", target: "regions", healthy: !blind, severity: .critical,
      summary: summary, facts: facts, observedAt: now, value: Double(silent.count))
  }

  private static func rank(_ severity: AlertCandidate.Severity) -> Int {
    switch severity {
    case .info: return 0
    case .warning: return 1
    case .critical: return 2
    }
  }
}
