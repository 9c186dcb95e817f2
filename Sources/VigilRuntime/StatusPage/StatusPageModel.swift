import VigilCore
import VigilCron

/// What the status page, its JSON API and its badges show, read from the state store's history: per function,
/// each target with every region's view, the maintenance window in force, and the incidents.
package struct StatusPageModel: Sendable {
  package enum State: String, Sendable {
    /// Every region's latest run saw it up.
    case up
    /// Some regions see it down, others up.
    case degraded
    /// Every region's latest run saw it down.
    case down
    /// No run within history.
    case unknown
  }

  package struct Target: Sendable {
    package var function: String
    package var name: String
    /// One entry per region, sorted by region.
    package var regions: [TargetHistory]

    package var state: State {
      let latest = regions.compactMap(\.latest)
      guard !latest.isEmpty else { return .unknown }
      let up = latest.count(where: \.up)
      return up == latest.count ? .up : up == 0 ? .down : .degraded
    }

    /// The regions' shares averaged (each region weighs the same), nil when none ran in the window.
    package func uptime(_ window: KeyPath<TargetHistory.Uptime, Double?>) -> Double? {
      Self.mean(regions.compactMap { $0.uptime[keyPath: window] })
    }

    /// The 90 daily shares, oldest first, averaged over the regions that ran that day.
    package var daily: [Double?] {
      (0..<90).map { day in Self.mean(regions.compactMap { day < $0.daily.count ? $0.daily[day] : nil }) }
    }

    /// The region drawn in the chart: the one with the most points.
    package var primary: TargetHistory? {
      regions.max { ($0.points.count, $1.region) < ($1.points.count, $0.region) }
    }

    static func mean(_ values: [Double]) -> Double? {
      values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }
  }

  package struct Function: Sendable {
    package var name: String
    package var targets: [Target]
    /// Unix seconds when the maintenance window in force closes, nil when none is.
    package var maintenanceUntil: Int64?
    /// Newest first.
    package var incidents: [IncidentRecord]
    /// Deliveries per channel and result since the incident log began.
    package var notifications: [String: [String: Int]] = [:]
  }

  package var now: Int64
  package var functions: [Function]

  /// Every target of every function shown.
  package var targets: [Target] { functions.flatMap(\.targets) }

  package var overall: State {
    let states = targets.map(\.state)
    if states.isEmpty || states.allSatisfy({ $0 == .unknown }) { return .unknown }
    if states.contains(.down) { return .down }
    if states.contains(.degraded) { return .degraded }
    return .up
  }

  /// Reads the shown functions: `config.functions`, or every function with history in the store.
  package static func load(_ config: StatusPageConfig, state: any StateStore, now: Instant) async throws
    -> StatusPageModel
  {
    let names: [String]
    if let listed = config.functions {
      names = listed
    } else {
      var found = Set<String>()
      for key in try await state.keys(prefix: "history/") {
        let parts = key.dropFirst("history/".count).split(separator: "/")
        if let first = parts.first, let name = StateKey.name(ofSegment: String(first)) { found.insert(name) }
      }
      names = found.sorted()
    }
    var functions: [Function] = []
    for name in names {
      functions.append(try await load(function: name, state: state, now: now))
    }
    return StatusPageModel(now: Int64(now.timeIntervalSince1970.rounded(.down)), functions: functions)
  }

  /// One function's targets and incidents.
  package static func load(function name: String, state: any StateStore, now: Instant) async throws
    -> Function
  {
    let history = try await HistoryReader(state: state).read(function: name, now: now)
    var grouped: [String: [TargetHistory]] = [:]
    for entry in history.targets { grouped[entry.target, default: []].append(entry) }
    let targets = grouped.keys.sorted().map { target in
      Target(
        function: name, name: target, regions: (grouped[target] ?? []).sorted { $0.region < $1.region })
    }
    let log = try await state.readJSON(IncidentLog.self, IncidentLog.key(function: name))
    return Function(
      name: name, targets: targets, maintenanceUntil: history.maintenanceUntil,
      incidents: log?.incidents ?? [],
      notifications: log?.notifications ?? [:])
  }
}

extension StatusPageModel {
  /// `/api/status`: the page's data as JSON (points left out; `/api/history/…` has them).
  package var statusJSON: JSONValue {
    .object([
      "generated": .string(ISO8601.format(Instant(timeIntervalSince1970: Double(now)))),
      "state": .string(overall.rawValue),
      "functions": .array(
        functions.map { function in
          var fields: [String: JSONValue] = [
            "name": .string(function.name),
            "targets": .array(function.targets.map { Self.json($0, points: false) }),
            "incidents": .array(function.incidents.map(Self.json)),
          ]
          if let until = function.maintenanceUntil {
            fields["maintenanceUntil"] = .string(
              ISO8601.format(Instant(timeIntervalSince1970: Double(until))))
          }
          return .object(fields)
        }),
    ])
  }

  static func share(_ value: Double?) -> JSONValue {
    value.map { .double(($0 * 1e6).rounded() / 1e6) } ?? .null
  }

  /// One target: its state, uptime, daily strip and each region's view (with its points when asked).
  package static func json(_ target: Target, points: Bool) -> JSONValue {
    .object([
      "function": .string(target.function),
      "target": .string(target.name),
      "state": .string(target.state.rawValue),
      "uptime": .object([
        "24h": share(target.uptime(\.day)), "7d": share(target.uptime(\.week)),
        "30d": share(target.uptime(\.month)), "90d": share(target.uptime(\.quarter)),
      ]),
      "daily": .array(target.daily.map(share)),
      "regions": .array(
        target.regions.map { region in
          var fields: [String: JSONValue] = [
            "region": .string(region.region),
            "uptime": .object([
              "24h": share(region.uptime.day), "7d": share(region.uptime.week),
              "30d": share(region.uptime.month), "90d": share(region.uptime.quarter),
            ]),
          ]
          fields["latest"] = region.latest.map(Self.json) ?? .null
          if points { fields["points"] = .array(region.points.map(Self.json)) }
          return .object(fields)
        }),
    ])
  }

  static func json(_ point: HistoryPoint) -> JSONValue {
    .object([
      "time": .string(ISO8601.format(Instant(timeIntervalSince1970: Double(point.time)))),
      "up": .bool(point.up),
      "figures": .object(point.figures.mapValues { .double($0) }),
    ])
  }

  static func json(_ incident: IncidentRecord) -> JSONValue {
    func time(_ seconds: Int64) -> JSONValue {
      .string(ISO8601.format(Instant(timeIntervalSince1970: Double(seconds))))
    }
    return .object([
      "id": .string(incident.id), "target": .string(incident.target), "check": .string(incident.check),
      "severity": .string(incident.severity), "summary": .string(incident.summary),
      "opened": time(incident.opened), "resolved": incident.resolved.map(time) ?? .null,
      "timeline": .array(
        incident.timeline.map {
          .object(["time": time($0.time), "status": .string($0.status), "summary": .string($0.summary)])
        }),
      "deliveries": .array(
        incident.deliveries.map {
          .object([
            "time": time($0.time), "channel": .string($0.channel), "result": .string($0.result),
            "notice": .string($0.notice),
          ])
        }),
    ])
  }
}
