import Testing
import VigilCore
import VigilCron

@testable import VigilRuntime

@Suite struct SchedulePlannerTests {
  func entry(_ expression: String, function: String = "f", zone: Zone = .utc) throws -> SchedulePlanner.Entry
  {
    let trigger = TimerTrigger(
      name: "t-\(function)", cronExpression: expression, cronMark: SourceMark(file: "s", line: 1, column: 1),
      enabled: true, argument: "", timezone: nil, timezoneMark: nil)
    return SchedulePlanner.Entry(
      function: function, trigger: trigger, cron: try CronExpression(expression), zone: zone)
  }

  let start = 1_767_225_600.0  // 2026-01-01T00:00:00Z

  @Test func firesOnTimeAndAdvances() throws {
    var planner = SchedulePlanner(
      entries: [try entry("*/5 * * * * * *"), try entry("0 * * * * * *", function: "g")], now: start + 0.5)
    #expect(planner.nextWake == 1_767_225_605)
    #expect(planner.due(now: start + 4.999).firings.isEmpty)
    let atFive = planner.due(now: start + 5.001)
    #expect(atFive.firings == [.init(entry: 0, scheduledAt: 1_767_225_605, missed: 0)])
    #expect(atFive.clock == nil)
    #expect(planner.nextWake == 1_767_225_610)
    // At the minute both fire, each once.
    for second in stride(from: 10.0, through: 55, by: 5) { _ = planner.due(now: start + second + 0.001) }
    let atMinute = planner.due(now: start + 60.002).firings
    #expect(atMinute.map(\.entry) == [0, 1])
    #expect(atMinute.allSatisfy { $0.missed == 0 && $0.scheduledAt == 1_767_225_660 })
  }

  @Test func missedFiringsRunOnceOnWake() throws {
    var planner = SchedulePlanner(entries: [try entry("*/5 * * * * * *")], now: start)
    // The machine sleeps for an hour: one run for the most recent instant, standing for the 719 skipped.
    let wake = planner.due(now: start + 3600.2)
    #expect(wake.firings == [.init(entry: 0, scheduledAt: 1_767_229_200, missed: 719)])
    #expect(planner.nextWake == 1_767_229_205)
    #expect(planner.due(now: start + 3601).firings.isEmpty)
  }

  @Test func slightlyLateIsNotMissed() throws {
    var planner = SchedulePlanner(entries: [try entry("*/5 * * * * * *")], now: start)
    #expect(planner.due(now: start + 5.9).firings == [.init(entry: 0, scheduledAt: 1_767_225_605, missed: 0)])
  }

  @Test func clockGoingBackwardsRecomputes() throws {
    var planner = SchedulePlanner(entries: [try entry("*/5 * * * * * *")], now: start + 3600)
    #expect(planner.nextWake == 1_767_229_205)
    let back = planner.due(now: start + 2.5)
    #expect(back.clock == .jumpedBackward(seconds: 3597.5))
    #expect(back.firings.isEmpty)
    #expect(planner.nextWake == 1_767_225_605)
  }

  @Test func neverFiringEntriesNeverWake() throws {
    var planner = SchedulePlanner(entries: [try entry("0 0 0 30 2 * *")], now: start)
    #expect(planner.nextWake == nil)
    #expect(planner.due(now: start + 1e6).firings.isEmpty)
  }

  @Test func zonesApply() throws {
    let planner = SchedulePlanner(
      entries: [try entry("0 0 9 * * * *", zone: try Zone.named("Asia/Shanghai"))], now: start)
    #expect(planner.nextWake == 1_767_229_200)  // 09:00+08:00 = 01:00Z
  }
}
