import VigilCore
import VigilCron

/// `heartbeat-watchdog` (a timer, every minute): for each active host that has reported at least once, the
/// minutes since its last report; a host silent past the first escalation offset is failing, and the alert
/// policy notifies at each offset since its last report (default 1, 10, 60, 240, 1440 minutes), one grouped
/// message per run, and a resolved notice when it reports again. Hosts never seen are not alerted.
///
/// A host may instead declare a schedule (`cron` + `grace`, as Healthchecks.io does): it is late once the
/// first expected report after its last one is `grace` overdue. In `ignoreHours` nothing is evaluated; in a
/// maintenance window only returns (resolves) are reported.
package struct HeartbeatWatchdogHandler: Handler {
  package init() {}

  package func handle(_ event: InvocationEvent, context: Context) async throws -> HeartbeatWatchdogResult {
    let config = try HeartbeatWatchdogConfig.read(context.configuration, environment: context.environment)
    let now = context.clock.now
    let instant = Int64(now.timeIntervalSince1970.rounded(.down))
    let hour = config.zone.localTime(at: instant).hour
    let ignored = config.ignoreHours.contains(hour)
    let maintenance = config.maintenance.contains { window in
      guard
        let opened = window.cron.next(after: instant - Int64(window.duration.rounded(.up)), in: config.zone)
      else { return false }
      return opened <= instant
    }
    var hosts: [HostStatus] = []
    for key in try await context.state.keys(prefix: HeartbeatRecord.prefix) where key.hasSuffix("/last.json")
    {
      let record: HeartbeatRecord
      do {
        guard let read = try await context.state.readJSON(HeartbeatRecord.self, key) else { continue }
        record = read
      } catch {
        // Never silent: a host whose record cannot be read is named on every run until it reports again.
        context.logger.warning(
          "a host's heartbeat record cannot be read; it is skipped", ["key": key, "error": "\(error)"])
        continue
      }
      guard record.reports > 0 else { continue }
      if !record.active || config.ignore.contains(record.host) { continue }
      hosts.append(status(of: record, config: config, now: now))
    }
    hosts.sort { $0.host < $1.host }
    var candidates: [AlertCandidate] = []
    if !ignored {
      for host in hosts where !(maintenance && !host.healthy) {
        candidates.append(candidate(host, config: config, context: context, now: now))
      }
    }
    return HeartbeatWatchdogResult(
      function: context.functionName, checkedAt: ISO8601.format(now, fractional: true),
      evaluated: !ignored, maintenance: maintenance, hosts: hosts, alertCandidates: candidates)
  }

  func status(of record: HeartbeatRecord, config: HeartbeatWatchdogConfig, now: Instant) -> HostStatus {
    let silent = max(0, now.timeIntervalSince(record.lastSeen))
    let rule = config.hosts[record.host]
    if let schedule = rule?.cron {
      let lastSeen = Int64(record.lastSeen.timeIntervalSince1970.rounded(.down))
      let expected = schedule.next(after: lastSeen, in: config.zone).map { Double($0) } ?? .infinity
      let deadline = expected + (rule?.grace ?? 0)
      let late = now.timeIntervalSince1970 >= deadline
      return HostStatus(
        host: record.host, lastSeen: ISO8601.format(record.lastSeen), minutesSilent: Int(silent / 60),
        healthy: !late, reports: record.reports,
        lastSeenAt: record.lastSeen,
        expectedBy: deadline.isFinite ? ISO8601.format(Instant(timeIntervalSince1970: deadline)) : nil,
        failingSince: late ? Instant(timeIntervalSince1970: deadline) : nil,
        escalation: rule?.escalation ?? [0, 3600, 14_400, 86_400], figures: record.figures)
    }
    let offsets = rule?.escalation ?? config.escalation
    let healthy = silent < (offsets.first ?? 60)
    return HostStatus(
      host: record.host, lastSeen: ISO8601.format(record.lastSeen), minutesSilent: Int(silent / 60),
      healthy: healthy, reports: record.reports, lastSeenAt: record.lastSeen, expectedBy: nil,
      failingSince: healthy ? nil : record.lastSeen,
      escalation: offsets, figures: record.figures)
  }

  func candidate(_ host: HostStatus, config: HeartbeatWatchdogConfig, context: Context, now: Instant)
    -> AlertCandidate
  {
    let local = config.zone.localTime(at: Int64(host.lastSeenAt.timeIntervalSince1970))
    var facts: [AlertCandidate.Fact] = [
      .init("last seen", "\(local) (\(config.zoneName))"), .init("silent", "\(host.minutesSilent) min"),
      .init("reports", String(host.reports)),
    ]
    if let expected = host.expectedBy { facts.append(.init("expected by", expected)) }
    if case .object(let figures)? = host.figures {
      let shown = figures.sorted { $0.key < $1.key }.prefix(8).map { "\($0.key) \($0.value.compactText)" }
      if !shown.isEmpty { facts.append(.init("last figures", shown.joined(separator: ", "))) }
    }
    let summary: String
    if host.healthy {
      summary = "\(host.host) reporting (last seen \(host.minutesSilent) min ago)"
    } else if host.expectedBy != nil {
      summary = "\(host.host) missed its scheduled report (expected by \(host.expectedBy ?? "?"))"
    } else {
      summary = "\(host.host) silent for \(Self.duration(minutes: host.minutesSilent))"
    }
    return AlertCandidate(
      function: context.functionName, check: "heartbeat", target: host.host, healthy: host.healthy,
      severity: config.severity, summary: summary, facts: facts, observedAt: now,
      value: Double(host.minutesSilent), since: host.failingSince,
      hints: PolicyHints(trigger: .consecutive(1), escalation: host.escalation))
  }

  /// `90 min` → `1 h 30 min`; `2880 min` → `2 d`.
  static func duration(minutes: Int) -> String {
    if minutes < 60 { return "\(minutes) min" }
    if minutes < 1440 {
      return minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes / 60) h \(minutes % 60) min"
    }
    let hours = (minutes % 1440) / 60
    return hours == 0 ? "\(minutes / 1440) d" : "\(minutes / 1440) d \(hours) h"
  }
}

/// One host as the watchdog sees it.
package struct HostStatus: Sendable, Encodable, Hashable {
  package var host: String
  package var lastSeen: String
  package var minutesSilent: Int
  package var healthy: Bool
  package var reports: Int
  /// For hosts on a schedule: when the next report was due, grace included.
  var lastSeenAt: Instant
  package var expectedBy: String?
  var failingSince: Instant?
  var escalation: [Double]
  package var figures: JSONValue?

  enum CodingKeys: String, CodingKey {
    case host, lastSeen, minutesSilent, healthy, reports, expectedBy, figures
  }
}

/// What `heartbeat-watchdog` returns.
package struct HeartbeatWatchdogResult: Sendable, Encodable, AlertProducing {
  package var function: String
  package var checkedAt: String
  /// False in an ignored hour: nothing was judged.
  package var evaluated: Bool
  package var maintenance: Bool
  package var hosts: [HostStatus]
  package var alertCandidates: [AlertCandidate]

  enum CodingKeys: String, CodingKey { case function, checkedAt, evaluated, maintenance, hosts }
}

extension JSONValue {
  /// A short rendering for alert facts: strings bare, the rest as JSON.
  var compactText: String {
    if case .string(let text) = self { return text }
    return encodedString()
  }
}
