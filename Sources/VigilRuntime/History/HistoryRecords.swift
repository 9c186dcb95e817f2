import VigilCore
import VigilCron

/// One target's result in one run, as history keeps it: when, up or down, and the check's figures
/// (`total`, phase timings, `status`, `value`). Stored as a short array, `[seconds, 1|0, {figures}]`, so an
/// hour of a hundred targets at one run a minute stays near 300 KB.
package struct HistoryPoint: Sendable, Codable, Hashable {
  /// Unix seconds of the observation.
  package var time: Int64
  package var up: Bool
  package var figures: [String: Double]

  package init(time: Int64, up: Bool, figures: [String: Double] = [:]) {
    self.time = time
    self.up = up
    self.figures = figures
  }

  /// The latency a chart draws: the web check's total, else the check's own figure.
  package var latency: Double? { figures["total"] ?? figures["value"] }

  package init(from decoder: any Decoder) throws {
    var container = try decoder.unkeyedContainer()
    time = try container.decode(Int64.self)
    up = try container.decode(Int.self) != 0
    figures = container.isAtEnd ? [:] : try container.decode([String: Double].self)
  }

  package func encode(to encoder: any Encoder) throws {
    var container = encoder.unkeyedContainer()
    try container.encode(time)
    try container.encode(up ? 1 : 0)
    if !figures.isEmpty { try container.encode(figures) }
  }
}

/// Every point of one function in one region during one UTC hour (`history/<function>/<region>/hour-<YYYYMMDDHH>.json`),
/// appended by each run with a compare-and-set, so overlapping runs never lose each other's points.
package struct HistoryHour: Sendable, Codable, Equatable {
  /// Unix seconds of the hour's start.
  package var hour: Int64
  package var targets: [String: [HistoryPoint]] = [:]
  /// `[seen, until]`: the latest run of the hour that fell in a maintenance window, and when the window closes.
  package var maintenance: [Int64]?

  package init(hour: Int64) { self.hour = hour }
}

extension HistoryHour: JSONStreamable {
  /// The tree's bytes, one target's points at a time (an hour of 10,000 targets as one tree was the peak of a
  /// run).
  package func writeJSON(to out: inout JSONText, pretty: Bool) throws {
    var object = JSONObjectWriter(to: &out, pretty: pretty)
    object.member("hour", .int(hour), to: &out)
    if let maintenance { object.member("maintenance", .array(maintenance.map { .int($0) }), to: &out) }
    try object.member("targets", entries: targets, to: &out)
    object.finish(to: &out)
  }
}

/// One target's summary of one hour, kept for 90 days after its points are gone.
package struct HourAggregate: Sendable, Codable, Hashable {
  /// Unix seconds of the hour's start.
  package var hour: Int64
  /// Runs that saw the target, and how many saw it up.
  package var runs: Int
  package var up: Int
  /// Sum, count and largest of the latencies the runs measured.
  package var latencySum: Double
  package var latencyCount: Int
  package var latencyMax: Double

  package init(hour: Int64, points: [HistoryPoint]) {
    self.hour = hour
    runs = points.count
    up = points.count(where: \.up)
    let latencies = points.compactMap(\.latency)
    latencySum = latencies.reduce(0, +)
    latencyCount = latencies.count
    latencyMax = latencies.max() ?? 0
  }

  /// Stored as `[hour, runs, up, latencySum, latencyCount, latencyMax]`: 90 days of a thousand targets stay small.
  package init(from decoder: any Decoder) throws {
    var container = try decoder.unkeyedContainer()
    hour = try container.decode(Int64.self)
    runs = try container.decode(Int.self)
    up = try container.decode(Int.self)
    latencySum = try container.decode(Double.self)
    latencyCount = try container.decode(Int.self)
    latencyMax = try container.decode(Double.self)
  }

  package func encode(to encoder: any Encoder) throws {
    var container = encoder.unkeyedContainer()
    try container.encode(hour)
    try container.encode(runs)
    try container.encode(up)
    try container.encode(latencySum)
    try container.encode(latencyCount)
    try container.encode(latencyMax)
  }

  /// The mean latency of the hour, when any was measured.
  package var latencyMean: Double? { latencyCount > 0 ? latencySum / Double(latencyCount) : nil }
}

/// The hourly summaries of one function in one region for one UTC day (`…/day-<YYYYMMDD>.json`).
package struct HistoryDay: Sendable, Codable, Equatable {
  /// Unix seconds of the day's start.
  package var day: Int64
  /// The hours already summarised here (a roll-up that is repeated after a crash changes nothing).
  package var hours: [Int64] = []
  package var targets: [String: [HourAggregate]] = [:]

  package init(day: Int64) { self.day = day }
}

/// Where history lives in the state store, and how long each part is kept.
package enum HistoryLayout {
  /// Points are kept this long (then only their hourly summaries).
  package static let pointRetention: Double = 48 * 3600
  /// Hourly summaries are kept this long.
  package static let summaryRetention: Double = 90 * 86_400

  package static func prefix(function: String) -> String { "history/\(StateKey.segment(function))/" }

  package static func prefix(function: String, region: String) -> String {
    prefix(function: function) + StateKey.segment(region) + "/"
  }

  /// Points kept in one hour document: a run that would pass it starts the hour's next document, so a
  /// run's write costs its own points and at most this many others, however many targets and runs an hour has.
  package static let pointsPerDocument = 2_500

  /// The hour's first document (`hour-2026120417.json`), or its `segment`-th after it (`hour-2026120417-2.json`).
  package static func hourKey(function: String, region: String, hour: Int64, segment: Int = 0) -> String {
    hourPrefix(function: function, region: region, hour: hour) + (segment == 0 ? "" : "-\(segment)") + ".json"
  }

  /// What every document of the hour's key starts with.
  package static func hourPrefix(function: String, region: String, hour: Int64) -> String {
    prefix(function: function, region: region) + "hour-" + stamp(hour, hours: true)
  }

  /// The segment number in an hour document's key (0 for the first), nil for other keys.
  package static func segment(ofKey key: String) -> Int? {
    guard let name = key.split(separator: "/").last, name.hasPrefix("hour-"), name.hasSuffix(".json") else {
      return nil
    }
    let parts = name.dropFirst("hour-".count).dropLast(".json".count).split(separator: "-")
    guard parts.count == 1 || parts.count == 2 else { return nil }
    return parts.count == 1 ? 0 : Int(parts[1]).flatMap { $0 > 0 && $0 < 100_000 ? $0 : nil }
  }

  package static func dayKey(function: String, region: String, day: Int64) -> String {
    prefix(function: function, region: region) + "day-" + stamp(day, hours: false) + ".json"
  }

  /// The hour or day start a key's name gives (`hour-2026120417.json`), or nil for other names.
  package static func start(ofKey key: String) -> (isHour: Bool, start: Int64)? {
    guard let name = key.split(separator: "/").last, name.hasSuffix(".json") else { return nil }
    var base = name.dropLast(".json".count)
    let isHour = base.hasPrefix("hour-")
    guard isHour || base.hasPrefix("day-") else { return nil }
    // An hour's later documents carry their segment number (`hour-2026120417-2`).
    if isHour, base.count > "hour-".count + 10 {
      guard segment(ofKey: String(name)) != nil else { return nil }
      base = base.prefix("hour-".count + 10)
    }
    let digits = base.drop(while: { $0 != "-" }).dropFirst()
    guard digits.count == (isHour ? 10 : 8), digits.allSatisfy(\.isASCII), let year = Int(digits.prefix(4)),
      let month = Int(digits.dropFirst(4).prefix(2)), let day = Int(digits.dropFirst(6).prefix(2))
    else { return nil }
    let hour = isHour ? Int(digits.dropFirst(8)) : 0
    guard let hour, (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour) else {
      return nil
    }
    let days = CivilTime.days(year: year, month: month, day: day)
    return (isHour, days * 86_400 + Int64(hour) * 3600)
  }

  static func hourStart(_ seconds: Int64) -> Int64 { seconds - ((seconds % 3600) + 3600) % 3600 }
  static func dayStart(_ seconds: Int64) -> Int64 { seconds - ((seconds % 86_400) + 86_400) % 86_400 }

  static func stamp(_ seconds: Int64, hours: Bool) -> String {
    let civil = CivilTime.date(days: dayStart(seconds) / 86_400)
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    let date = "\(civil.year)" + two(civil.month) + two(civil.day)
    return hours ? date + two(Int((seconds - dayStart(seconds)) / 3600)) : date
  }
}
