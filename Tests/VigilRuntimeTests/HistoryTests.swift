import Foundation
import Testing
import VigilAlerting
import VigilCore
import VigilCron

@testable import VigilRuntime

/// Results kept as history: points per run, hourly summaries, the windows' uptime, and the bounds.
@Suite struct HistoryTests {
  /// 2026-12-01T00:00:00Z, a day boundary.
  static let dayStart: Double = 1_796_083_200
  static let logger = Logger(sink: DiscardingSink())

  static func candidate(_ target: String, up: Bool, at: Instant, ms: Double? = nil) -> AlertCandidate {
    AlertCandidate(
      function: "web", check: "http", target: target, healthy: up, summary: up ? "up" : "down", facts: [],
      observedAt: at, value: ms, figures: ms.map { ["total": $0, "status": up ? 200 : 503] })
  }

  /// Three targets over three days, one run every 10 minutes: `healthy` always up; `outage` down from 10:00
  /// to 12:00 on the second day; `flapping` down on every other run. Uptime then counts runs, by hand:
  /// 432 runs in 3 days; the outage is 12 runs (10:00, 10:10 … 11:50).
  @Test func uptimeOverWindowsCountsRunsAcrossSummarisedAndCurrentHours() async throws {
    let state = InMemoryStateStore()
    let recorder = HistoryRecorder(state: state)
    let runs = 3 * 24 * 6
    for run in 0..<runs {
      let at = Instant(timeIntervalSince1970: Self.dayStart + Double(run) * 600)
      let secondsIntoDay = Double(run % 144) * 600
      let outage = run / 144 == 1 && secondsIntoDay >= 10 * 3600 && secondsIntoDay < 12 * 3600
      try await recorder.record(
        [
          Self.candidate("healthy", up: true, at: at, ms: 100 + Double(run % 7)),
          Self.candidate("outage", up: !outage, at: at, ms: outage ? nil : 50),
          Self.candidate("flapping", up: run % 2 == 0, at: at, ms: 80),
        ], function: "web", region: "ap-guangzhou", now: at, logger: Self.logger)
    }
    // Read at the last run's time: the third day's 23:50.
    let now = Instant(timeIntervalSince1970: Self.dayStart + Double(runs - 1) * 600)
    let targets = try await HistoryReader(state: state).targets(function: "web", now: now)
    #expect(targets.map(\.target) == ["flapping", "healthy", "outage"])
    let byName = Dictionary(uniqueKeysWithValues: targets.map { ($0.target, $0) })
    let outage = try #require(byName["outage"])
    // 24 h back from 23:50 on day 3 reaches into day 2's 23:00 hour only: no outage in it.
    #expect(outage.uptime.day == 1)
    #expect(outage.uptime.week == Double(runs - 12) / Double(runs))
    #expect(outage.daily.suffix(3).map { $0 } == [1, Double(144 - 12) / 144, 1])
    #expect(outage.daily.count == 90)
    #expect(outage.daily.prefix(87).allSatisfy { $0 == nil })
    #expect(byName["flapping"]?.uptime.quarter == 0.5)
    #expect(byName["healthy"]?.uptime.month == 1)
    // Points are kept for 48 hours: the runs at or after now minus 48 h (day 1 23:50, run 143) up to run 431.
    let healthy = try #require(byName["healthy"])
    #expect(healthy.points.count == 431 - 143 + 1)
    #expect(healthy.latest?.time == Int64(Self.dayStart) + Int64(runs - 1) * 600)
    #expect(healthy.latest?.figures["total"] == 100 + Double((runs - 1) % 7))
    #expect(healthy.region == "ap-guangzhou")
  }

  /// A large function's hour is kept in several documents of at most 2,500 points, so a run rewrites its own
  /// points and at most that many others, never the whole hour: 1,000 targets, six runs in one hour make three
  /// documents of two runs each; the reader and the hourly summary put them back together.
  @Test func aLargeHourIsSplitIntoBoundedDocumentsAndReadAsOne() async throws {
    let state = InMemoryStateStore()
    let recorder = HistoryRecorder(state: state)
    let targets = (0..<1000).map { "t\($0)" }
    for run in 0..<6 {
      let at = Instant(timeIntervalSince1970: Self.dayStart + Double(run) * 600)
      try await recorder.record(
        targets.map { Self.candidate($0, up: run != 3, at: at, ms: 10) }, function: "web", region: "r1",
        now: at,
        logger: Self.logger)
    }
    let keys = try await state.keys(prefix: "history/web/r1/").sorted()
    #expect(
      keys == [
        "history/web/r1/hour-2026120100-1.json", "history/web/r1/hour-2026120100-2.json",
        "history/web/r1/hour-2026120100.json",
      ])
    for key in keys {
      let document = try #require(try await state.readJSON(HistoryHour.self, key))
      #expect(document.targets.values.reduce(0) { $0 + $1.count } == 2000, "\(key)")
    }
    let during = Instant(timeIntervalSince1970: Self.dayStart + 3000)
    let read = try await HistoryReader(state: state).targets(function: "web", now: during)
    #expect(read.count == 1000)
    #expect(
      read.allSatisfy { $0.points.count == 6 && $0.points.map(\.time) == $0.points.map(\.time).sorted() })
    #expect(read.first?.uptime.day == 5.0 / 6.0)
    // The next hour's first run summarises all three documents as one hour of six runs.
    let next = Instant(timeIntervalSince1970: Self.dayStart + 3600)
    try await recorder.record(
      [Self.candidate("t0", up: true, at: next, ms: 10)], function: "web", region: "r1", now: next,
      logger: Self.logger)
    let day = try #require(try await state.readJSON(HistoryDay.self, "history/web/r1/day-20261201.json"))
    #expect(day.hours == [Int64(Self.dayStart)])
    #expect(day.targets["t999"]?.first.map { [$0.runs, $0.up] } == [6, 5])
  }

  /// A run inside a maintenance window (every day 02:00-03:00 UTC) keeps the window's end with its points, so
  /// the status page says "maintenance until 03:00"; a later run outside it, or the window's end, clears it.
  @Test func aMaintenanceWindowInForceIsKeptUntilItCloses() async throws {
    var policy = AlertPolicy()
    policy.maintenance = [.init(cron: try CronExpression("0 0 2 * * * *"), duration: 3600)]
    let inside = Instant(timeIntervalSince1970: Self.dayStart + 2 * 3600 + 600)
    let closes = try #require(policy.maintenanceEnd(at: inside))
    #expect(closes.timeIntervalSince1970 == Self.dayStart + 3 * 3600)
    #expect(policy.maintenanceEnd(at: Instant(timeIntervalSince1970: Self.dayStart + 3 * 3600 + 1)) == nil)
    let state = InMemoryStateStore()
    try await HistoryRecorder(state: state).record(
      [Self.candidate("app", up: true, at: inside, ms: 10)], function: "web", region: "local", now: inside,
      maintenanceUntil: closes, logger: Self.logger)
    let reader = HistoryReader(state: state)
    #expect(
      try await reader.read(function: "web", now: inside).maintenanceUntil == Int64(Self.dayStart) + 3 * 3600)
    let after = Instant(timeIntervalSince1970: Self.dayStart + 3 * 3600 + 5)
    #expect(try await reader.read(function: "web", now: after).maintenanceUntil == nil)
  }

  /// 100,000 results (1,000 targets, 100 runs 30 minutes apart: 50 hours) in a folder: hours older than 48 h
  /// are summarised and removed, and the whole history stays under its bound on disk.
  @Test func historyOfOneHundredThousandResultsStaysBoundedOnDisk() async throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "vigil-history-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let state = try FileStateStore(root: root.path)
    let recorder = HistoryRecorder(state: state)
    let targets = (0..<1000).map { "target-\($0)" }
    for run in 0..<100 {
      let at = Instant(timeIntervalSince1970: Self.dayStart + Double(run) * 1800)
      try await recorder.record(
        targets.map { Self.candidate($0, up: run % 50 != 0, at: at, ms: 120.5) }, function: "web",
        region: "r1", now: at, logger: Self.logger)
    }
    let keys = try await state.keys(prefix: "history/web/r1/")
    let hours = keys.filter { $0.contains("/hour-") }
    let days = keys.filter { $0.contains("/day-") }
    // 50 hours of runs (hours 0 to 49): an hour goes at the first run of an hour that starts more than 48 h
    // after it ended, so hour 0 is still here at the last run (hour 49) and goes with the next hour's first.
    #expect(hours.count == 50)
    #expect(days.count == 3)
    #expect(keys.contains("history/web/r1/hour-2026120100.json"))
    var bytes = 0
    for key in keys { bytes += try await state.read(key)?.count ?? 0 }
    // By hand: a point `[1796083200,1,{"status":200,"total":120.5}],` is 45 bytes (100,000 of them), a target's
    // name in an hour's document 13 (50,000), an hourly summary `[1796083200,2,2,241,2,120.5],` 30 (50,000):
    // about 6.7 MB, and never more than 7 MB.
    print("history of 100,000 results (1,000 targets, 50 hours): \(bytes) bytes in \(keys.count) documents")
    #expect(bytes > 6_000_000)
    #expect(bytes < 7_000_000, "history of 100,000 results takes \(bytes) bytes")
    let next = Instant(timeIntervalSince1970: Self.dayStart + 100 * 1800)
    try await recorder.record(
      [Self.candidate("target-0", up: true, at: next, ms: 1)], function: "web", region: "r1", now: next,
      logger: Self.logger)
    #expect(try await state.read("history/web/r1/hour-2026120100.json") == nil)
    let read = try await HistoryReader(state: state).targets(function: "web", now: next)
    #expect(read.count == 1000)
    // Runs 0 and 50 were down: 2 of 100 for every target but target-0, which had one more run, up.
    let quarter = try #require(read.first { $0.target == "target-1" }?.uptime.quarter)
    #expect(quarter == 0.98)
  }

  /// One run a day for 100 days: summaries older than 90 days go, so a day's document count stays bounded.
  @Test func summariesOlderThanNinetyDaysAreRemoved() async throws {
    let state = InMemoryStateStore()
    let recorder = HistoryRecorder(state: state)
    for day in 0..<100 {
      let at = Instant(timeIntervalSince1970: Self.dayStart + Double(day) * 86_400 + 3600)
      try await recorder.record(
        [Self.candidate("api", up: true, at: at)], function: "web", region: "r1", now: at, logger: Self.logger
      )
    }
    let keys = try await state.keys(prefix: "history/web/r1/")
    #expect(keys.filter { $0.contains("/day-") }.count <= 91)
    #expect(!keys.contains("history/web/r1/day-20261201.json"))
    // The two days' hours within 48 h of the last run, and the last run's own.
    #expect(keys.filter { $0.contains("/hour-") }.count == 3)
  }

  /// A corrupt hour document is moved aside and the run's points still land; the day summary of a hour that
  /// was summarised twice (a repeat after a crash) counts it once.
  @Test func corruptHourIsSetAsideAndRepeatedSummaryCountsOnce() async throws {
    let state = InMemoryStateStore()
    let recorder = HistoryRecorder(state: state)
    let at = Instant(timeIntervalSince1970: Self.dayStart + 60)
    let hourKey = HistoryLayout.hourKey(function: "web", region: "r1", hour: Int64(Self.dayStart))
    #expect(hourKey == "history/web/r1/hour-2026120100.json")
    try await state.write(hourKey, Array("{not json".utf8))
    try await recorder.record(
      [Self.candidate("api", up: false, at: at)], function: "web", region: "r1", now: at, logger: Self.logger)
    let hour = try #require(try await state.readJSON(HistoryHour.self, hourKey))
    #expect(hour.targets["api"]?.map(\.up) == [false])
    #expect(try await state.keys(prefix: "corrupt/").count == 1)
    let later = at + 3600
    for _ in 0..<2 {
      try await recorder.summarise(function: "web", region: "r1", now: later, logger: Self.logger)
    }
    let day = try #require(
      try await state.readJSON(HistoryDay.self, "history/web/r1/day-20261201.json"))
    #expect(day.hours == [Int64(Self.dayStart)])
    #expect(day.targets["api"]?.map(\.runs) == [1])
  }

  /// The sparkline scales between the fastest and slowest latency; a down run without one is a dot.
  @Test func sparklineAndPercent() {
    let points = [10.0, 20, nil, 80].enumerated().map { index, ms in
      HistoryPoint(time: Int64(index), up: ms != nil, figures: ms.map { ["total": $0] } ?? [:])
    }
    #expect(StatusView.sparkline(points) == "▁▂·█")
    #expect(StatusView.percent(0.99999) == "99.99%")
    #expect(StatusView.percent(1) == "100%")
    #expect(StatusView.percent(nil) == "-")
  }
}
