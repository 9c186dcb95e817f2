import VigilCore
import VigilCron

/// One target as seen from one region, summarised from its history: what the status page, `vigil status` and
/// the API show.
package struct TargetHistory: Sendable, Codable, Equatable {
  package var function: String
  package var region: String
  package var target: String
  /// The latest point (its time, up or down, figures), or nil when none is within 48 hours.
  package var latest: HistoryPoint?
  /// Share of runs that saw the target up over the last 24 h, 7 d, 30 d and 90 d (nil: no run in that window).
  package var uptime: Uptime
  /// Share up per UTC day, oldest first, the last entry today: 90 entries, nil for a day without runs.
  package var daily: [Double?]
  /// The points of the last 48 hours, oldest first.
  package var points: [HistoryPoint]

  package struct Uptime: Sendable, Codable, Equatable {
    package var day: Double?
    package var week: Double?
    package var month: Double?
    package var quarter: Double?
  }
}

/// Reads a function's history from the state store: one listing, then its day and hour documents.
package struct HistoryReader: Sendable {
  package let state: any StateStore

  package init(state: any StateStore) { self.state = state }

  /// Every target of `function` in every region that recorded it, sorted by target then region.
  package func targets(function: String, now: Instant) async throws -> [TargetHistory] {
    try await read(function: function, now: now).targets
  }

  /// A function's targets, and when the maintenance window its latest run was in closes (nil: none in force).
  /// Points are read for the last `pointsWithin` seconds; an older hour whose summary is in its day's document
  /// is not read at all (the status page needs one day of points, not two).
  package func read(function: String, now: Instant, pointsWithin: Double = HistoryLayout.pointRetention)
    async throws -> (targets: [TargetHistory], maintenanceUntil: Int64?)
  {
    var byRegion: [String: (hours: [HistoryHour], days: [HistoryDay])] = [:]
    var hourKeys: [(region: String, start: Int64, key: String)] = []
    let prefix = HistoryLayout.prefix(function: function)
    for key in try await state.keys(prefix: prefix) {
      let parts = key.dropFirst(prefix.count).split(separator: "/")
      guard parts.count == 2, let region = StateKey.name(ofSegment: String(parts[0])),
        let (isHour, start) = HistoryLayout.start(ofKey: key)
      else { continue }
      if isHour {
        hourKeys.append((region, start, key))
      } else if let day = try await state.readJSON(HistoryDay.self, key) {
        byRegion[region, default: ([], [])].days.append(day)
      }
    }
    let horizon = now.timeIntervalSince1970 - pointsWithin
    for (region, start, key) in hourKeys {
      let summarised = byRegion[region]?.days.contains { $0.hours.contains(start) } ?? false
      guard !summarised || Double(start + 3600) > horizon else { continue }
      guard let document = try await state.readJSON(HistoryHour.self, key) else { continue }
      // An hour kept in several documents reads as one.
      var hours = byRegion[region, default: ([], [])].hours
      if let index = hours.firstIndex(where: { $0.hour == document.hour }) {
        for (target, list) in document.targets {
          hours[index].targets[target, default: []] += list
          hours[index].targets[target]?.sort { $0.time < $1.time }
        }
        if let window = document.maintenance, window.count == 2,
          (hours[index].maintenance?.first ?? .min) < window[0]
        {
          hours[index].maintenance = window
        }
      } else {
        hours.append(document)
      }
      byRegion[region, default: ([], [])].hours = hours
    }
    var result: [TargetHistory] = []
    var maintenanceUntil: Int64?
    let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
    for (region, documents) in byRegion {
      result += Self.summarise(
        function: function, region: region, hours: documents.hours, days: documents.days, now: now)
      // The window the region's latest run was in, while it lasts.
      if let latest = documents.hours.max(by: { $0.hour < $1.hour }), let window = latest.maintenance,
        window.count == 2, window[1] > seconds
      {
        maintenanceUntil = max(maintenanceUntil ?? window[1], window[1])
      }
    }
    return (result.sorted { ($0.target, $0.region) < ($1.target, $1.region) }, maintenanceUntil)
  }

  /// The targets of one region from its documents (pure: the tests and the status page share it).
  package static func summarise(
    function: String, region: String, hours: [HistoryHour], days: [HistoryDay], now: Instant
  ) -> [TargetHistory] {
    let seconds = now.timeIntervalSince1970
    // Hourly summaries per target: the days' first, then the hours whose points are still here (the truth for
    // an hour while it lasts, including the hour in progress).
    var aggregates: [String: [Int64: HourAggregate]] = [:]
    for day in days {
      for (target, list) in day.targets {
        for aggregate in list { aggregates[target, default: [:]][aggregate.hour] = aggregate }
      }
    }
    var points: [String: [HistoryPoint]] = [:]
    for hour in hours {
      for (target, list) in hour.targets {
        aggregates[target, default: [:]][hour.hour] = HourAggregate(hour: hour.hour, points: list)
        points[target, default: []] += list.filter {
          Double($0.time) >= seconds - HistoryLayout.pointRetention
        }
      }
    }
    let today = HistoryLayout.dayStart(Int64(seconds.rounded(.down)))
    return aggregates.map { target, hourly in
      func share(_ window: Double) -> Double? {
        let inWindow = hourly.values.filter { Double($0.hour) + 3600 > seconds - window }
        let runs = inWindow.reduce(0) { $0 + $1.runs }
        return runs > 0 ? Double(inWindow.reduce(0) { $0 + $1.up }) / Double(runs) : nil
      }
      let daily: [Double?] = (0..<90).reversed().map { back in
        let start = today - Int64(back) * 86_400
        let inDay = hourly.values.filter { $0.hour >= start && $0.hour < start + 86_400 }
        let runs = inDay.reduce(0) { $0 + $1.runs }
        return runs > 0 ? Double(inDay.reduce(0) { $0 + $1.up }) / Double(runs) : nil
      }
      let recent = (points[target] ?? []).sorted { $0.time < $1.time }
      return TargetHistory(
        function: function, region: region, target: target, latest: recent.last,
        uptime: .init(
          day: share(86_400), week: share(7 * 86_400), month: share(30 * 86_400), quarter: share(90 * 86_400)),
        daily: daily, points: recent)
    }
  }
}
