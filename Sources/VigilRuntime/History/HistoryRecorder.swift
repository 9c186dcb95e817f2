import VigilCore
import VigilCron

/// Keeps every run's results as history in the state store: one point per target per run in the current
/// hour's document (one read and one compare-and-set write per run, whatever the number of targets), and once
/// an hour the finished hours are summarised into their day's document. Points older than 48 hours and
/// summaries older than 90 days are removed, so a function's history stays bounded on every backend.
///
/// Each region writes its own documents, so replicas in several regions never contend and every figure keeps
/// its region. A kill -9 at any point leaves either the old document or the new one (the store's writes are
/// atomic), and a repeated summary changes nothing (a day lists the hours it holds).
package struct HistoryRecorder: Sendable {
  package let state: any StateStore
  /// Points kept per target per hour: a function run every 5 s or slower keeps all of its runs.
  package static let pointsPerHour = 720

  package init(state: any StateStore) { self.state = state }

  /// Appends this run's points; on the first run of an hour, summarises the hours before it.
  package func record(
    _ candidates: [AlertCandidate], function: String, region: String, now: Instant,
    maintenanceUntil: Instant? = nil, logger: Logger
  ) async throws {
    guard !candidates.isEmpty else { return }
    let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
    let hour = HistoryLayout.hourStart(seconds)
    // The hour's latest document: one listing of the hour's keys (documents are never renamed).
    let existing = try await state.keys(
      prefix: HistoryLayout.hourPrefix(function: function, region: region, hour: hour))
    var segment = existing.compactMap(HistoryLayout.segment(ofKey:)).max() ?? 0
    let until = maintenanceUntil.map { Int64($0.timeIntervalSince1970.rounded(.up)) }
    var firstOfHour = false
    // Full documents hand on to the next; bounded, as every run adds at least one document's worth at most.
    for _ in 0..<64 {
      let key = HistoryLayout.hourKey(function: function, region: region, hour: hour, segment: segment)
      let outcome = try await setAsideIfCorrupt(key, now: now, logger: logger) {
        try await append(candidates, at: seconds, hour: hour, key: key, maintenanceUntil: until)
      }
      switch outcome {
      case .full:
        segment += 1
        continue
      case .written(let created):
        firstOfHour = created && segment == 0 && existing.isEmpty
      }
      break
    }
    if firstOfHour { try await summarise(function: function, region: region, now: now, logger: logger) }
  }

  enum AppendOutcome { case written(created: Bool), full }

  /// Appends one point per candidate to the hour's document, unless the document already holds its share of
  /// points (then nothing is written and the caller moves to the next one).
  private func append(
    _ candidates: [AlertCandidate], at seconds: Int64, hour: Int64, key: String, maintenanceUntil: Int64?
  ) async throws -> AppendOutcome {
    try await state.updateJSON(HistoryHour.self, key, pretty: false) { document -> AppendOutcome in
      var current = document ?? HistoryHour(hour: hour)
      let held = current.targets.values.reduce(0) { $0 + $1.count }
      if held > 0, held + candidates.count > HistoryLayout.pointsPerDocument { return .full }
      // The window the latest run was in, so a status page can say "maintenance until…".
      current.maintenance = maintenanceUntil.map { [seconds, $0] } ?? current.maintenance
      for candidate in candidates {
        var figures = candidate.figures ?? [:]
        if let value = candidate.value, figures["total"] == nil { figures["value"] = value }
        var points = current.targets[candidate.target] ?? []
        points.append(HistoryPoint(time: seconds, up: candidate.healthy, figures: figures))
        if points.count > Self.pointsPerHour { points.removeFirst(points.count - Self.pointsPerHour) }
        current.targets[candidate.target] = points
      }
      defer { document = current }
      return .written(created: document == nil)
    }
  }

  /// Runs `body`; when it meets a corrupt history document, moves that document aside (logged) and runs it
  /// once more: one unreadable hour costs that hour's points, never every later run.
  private func setAsideIfCorrupt<T>(_ key: String, now: Instant, logger: Logger, _ body: () async throws -> T)
    async throws -> T
  {
    do {
      return try await body()
    } catch let error as StateError where error.isCorrupt {
      if let data = try await state.read(key) {
        try await state.setAside(key, data, now: now, reason: error.message, logger: logger)
      }
      return try await body()
    }
  }

  /// Summarises every finished hour not yet in its day's document, then removes what is past retention.
  package func summarise(function: String, region: String, now: Instant, logger: Logger) async throws {
    let current = HistoryLayout.hourStart(Int64(now.timeIntervalSince1970.rounded(.down)))
    let keys = try await state.keys(prefix: HistoryLayout.prefix(function: function, region: region))
    var hours: [Int64: [String]] = [:]
    var days: [Int64: String] = [:]
    for key in keys {
      guard let (isHour, start) = HistoryLayout.start(ofKey: key) else { continue }
      if isHour { hours[start, default: []].append(key) } else { days[start] = key }
    }
    let finished = hours.filter { $0.key < current }
    for day in Set(finished.keys.map(HistoryLayout.dayStart)).sorted() {
      let dayKey = HistoryLayout.dayKey(function: function, region: region, day: day)
      let held = try await setAsideIfCorrupt(dayKey, now: now, logger: logger) {
        try await state.readJSON(HistoryDay.self, dayKey)?.hours ?? []
      }
      var summaries: [Int64: [String: HourAggregate]] = [:]
      for (start, hourKeys) in finished where HistoryLayout.dayStart(start) == day && !held.contains(start) {
        // Every document of the hour, its points put together per target.
        var points: [String: [HistoryPoint]] = [:]
        for key in hourKeys {
          let document = try await setAsideIfCorrupt(key, now: now, logger: logger) {
            try await state.readJSON(HistoryHour.self, key)
          }
          for (target, list) in document?.targets ?? [:] { points[target, default: []] += list }
        }
        guard !points.isEmpty else { continue }
        summaries[start] = points.mapValues { HourAggregate(hour: start, points: $0) }
      }
      if !summaries.isEmpty {
        try await state.updateJSON(HistoryDay.self, dayKey, pretty: false) { document in
          var value = document ?? HistoryDay(day: day)
          for (start, targets) in summaries.sorted(by: { $0.key < $1.key }) where !value.hours.contains(start)
          {
            value.hours.append(start)
            for (target, aggregate) in targets { value.targets[target, default: []].append(aggregate) }
          }
          value.hours.sort()
          document = value
        }
      }
      days[day] = dayKey
    }
    let seconds = now.timeIntervalSince1970
    // An hour's points go only once its summary is stored (the loop above wrote it or found it).
    for (start, hourKeys) in finished where Double(start + 3600) < seconds - HistoryLayout.pointRetention {
      for key in hourKeys { try await state.delete(key) }
    }
    for (start, key) in days where Double(start + 86_400) < seconds - HistoryLayout.summaryRetention {
      try await state.delete(key)
    }
  }
}
