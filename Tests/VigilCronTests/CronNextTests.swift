import Foundation
import Testing

@testable import VigilCron

/// Fire times as the CLI prints them, for readable expectations.
func fires(_ expression: String, from: String, zone: String = "UTC", count: Int = 3) throws -> [String] {
  let zone = try Zone.named(zone)
  let start = try #require(ISO8601.parse(from)).date(in: zone)
  return try CronExpression(expression).nextDates(after: start, count: count, in: zone).map {
    ISO8601.format($0, in: zone)
  }
}

@Suite struct CronOperatorTests {
  @Test(
    arguments: [
      // every operator
      (
        "*/15 * * * * * *", "2026-01-01T00:00:00Z",
        ["2026-01-01T00:00:15+00:00", "2026-01-01T00:00:30+00:00", "2026-01-01T00:00:45+00:00"]
      ),
      (
        "0 5/20 * * * * *", "2026-01-01T00:00:00Z",
        ["2026-01-01T00:05:00+00:00", "2026-01-01T00:25:00+00:00", "2026-01-01T00:45:00+00:00"]
      ),
      (
        "0 10-20/5 8 * * * *", "2026-01-01T00:00:00Z",
        ["2026-01-01T08:10:00+00:00", "2026-01-01T08:15:00+00:00", "2026-01-01T08:20:00+00:00"]
      ),
      (
        "0 0 1,3,5 * * * *", "2026-01-01T02:00:00Z",
        ["2026-01-01T03:00:00+00:00", "2026-01-01T05:00:00+00:00", "2026-01-02T01:00:00+00:00"]
      ),
      (
        "0 0 22-2 * * * *", "2026-01-01T21:00:00Z",
        ["2026-01-01T22:00:00+00:00", "2026-01-01T23:00:00+00:00", "2026-01-02T00:00:00+00:00"]
      ),
      (
        "0 0 12 * * FRI-MON *", "2026-01-01T00:00:00Z",
        ["2026-01-02T12:00:00+00:00", "2026-01-03T12:00:00+00:00", "2026-01-04T12:00:00+00:00"]
      ),
      (
        "0 0 12 * jan,Mar mOn-fRi *", "2026-01-30T00:00:00Z",
        ["2026-01-30T12:00:00+00:00", "2026-03-02T12:00:00+00:00", "2026-03-03T12:00:00+00:00"]
      ),
      (
        "0 0 0 1 NOV-FEB * *", "2026-01-15T00:00:00Z",
        ["2026-02-01T00:00:00+00:00", "2026-11-01T00:00:00+00:00", "2026-12-01T00:00:00+00:00"]
      ),
      (
        "0 0 0 */10 * * *", "2026-01-30T00:00:00Z",
        ["2026-01-31T00:00:00+00:00", "2026-02-01T00:00:00+00:00", "2026-02-11T00:00:00+00:00"]
      ),
      // strictly after: a match exactly at --from is not returned
      (
        "0 0 12 * * * *", "2026-01-01T12:00:00Z",
        ["2026-01-02T12:00:00+00:00", "2026-01-03T12:00:00+00:00", "2026-01-04T12:00:00+00:00"]
      ),
      // legacy five fields: minute hour day month weekday
      (
        "30 4 1 * *", "2026-01-01T00:00:00Z",
        ["2026-01-01T04:30:00+00:00", "2026-02-01T04:30:00+00:00", "2026-03-01T04:30:00+00:00"]
      ),
      // leading zeros and runs of spaces/tabs
      (
        "00  05\t007 * * ? *", "2026-01-01T00:00:00Z",
        ["2026-01-01T07:05:00+00:00", "2026-01-02T07:05:00+00:00", "2026-01-03T07:05:00+00:00"]
      ),
    ] as [(String, String, [String])])
  func operators(expression: String, from: String, expected: [String]) throws {
    #expect(try fires(expression, from: from) == expected)
  }

  @Test func dayOfMonthAndDayOfWeekAreOred() throws {
    // 09:00 on the 1st and every Friday (SCF: 两者为或关系). January 2026: Fri 2, 9; Feb 1 is a Sunday.
    #expect(
      try fires("0 0 9 1 * 5 *", from: "2026-01-01T10:00:00Z", count: 5) == [
        "2026-01-02T09:00:00+00:00", "2026-01-09T09:00:00+00:00", "2026-01-16T09:00:00+00:00",
        "2026-01-23T09:00:00+00:00", "2026-01-30T09:00:00+00:00",
      ])
    #expect(
      try fires("0 0 9 1 * 5 *", from: "2026-01-30T10:00:00Z", count: 2) == [
        "2026-02-01T09:00:00+00:00", "2026-02-06T09:00:00+00:00",
      ])
    // A step in day-of-month is a restriction too: */15 (1, 16, 31) or Sunday.
    #expect(
      try fires("0 0 0 */15 * SUN *", from: "2026-03-01T01:00:00Z", count: 3) == [
        "2026-03-08T00:00:00+00:00", "2026-03-15T00:00:00+00:00", "2026-03-16T00:00:00+00:00",
      ])
    // '?' and '*' leave the other field alone.
    #expect(
      try fires("0 0 9 ? * 5 *", from: "2026-01-01T10:00:00Z", count: 1) == ["2026-01-02T09:00:00+00:00"])
    #expect(
      try fires("0 0 9 1 * ? *", from: "2026-01-01T10:00:00Z", count: 1) == ["2026-02-01T09:00:00+00:00"])
  }

  @Test func leapYearsAndMonthEnds() throws {
    #expect(
      try fires("0 0 0 29 2 * *", from: "2026-01-01T00:00:00Z", count: 3) == [
        "2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00", "2036-02-29T00:00:00+00:00",
      ])
    // 2100 is not a leap year and beyond the range anyway; 2096 is the last.
    #expect(
      try fires("0 0 0 29 2 * *", from: "2095-01-01T00:00:00Z", count: 3) == ["2096-02-29T00:00:00+00:00"])
    #expect(
      try fires("0 0 0 31 * * *", from: "2026-03-31T00:00:00Z", count: 3) == [
        "2026-05-31T00:00:00+00:00", "2026-07-31T00:00:00+00:00", "2026-08-31T00:00:00+00:00",
      ])
    #expect(
      try fires("0 0 0 L * * *", from: "2027-12-31T00:00:00Z", count: 3) == [
        "2028-01-31T00:00:00+00:00", "2028-02-29T00:00:00+00:00", "2028-03-31T00:00:00+00:00",
      ])
    #expect(
      try fires("0 0 0 L 2 * *", from: "2026-03-01T00:00:00Z", count: 2) == [
        "2027-02-28T00:00:00+00:00", "2028-02-29T00:00:00+00:00",
      ])
  }

  @Test func weekdaySpecials() throws {
    // LW: last weekday. 2026-01-31 is a Saturday → Friday 30th; 2026-05-31 is a Sunday → Friday 29th.
    #expect(
      try fires("0 0 0 LW * * *", from: "2026-01-01T00:00:00Z", count: 5) == [
        "2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00", "2026-03-31T00:00:00+00:00",
        "2026-04-30T00:00:00+00:00", "2026-05-29T00:00:00+00:00",
      ])
    // 15W: 2026-02-15 is a Sunday → Monday 16th; 2026-03-15 is a Sunday → 16th; 2026-08-15 Saturday → 14th.
    #expect(
      try fires("0 0 0 15W * * *", from: "2026-02-01T00:00:00Z", count: 3) == [
        "2026-02-16T00:00:00+00:00", "2026-03-16T00:00:00+00:00", "2026-04-15T00:00:00+00:00",
      ])
    #expect(
      try fires("0 0 0 15W 8 * *", from: "2026-01-01T00:00:00Z", count: 1) == ["2026-08-14T00:00:00+00:00"])
    // 1W never leaves the month: 2026-08-01 is a Saturday → Monday the 3rd.
    #expect(
      try fires("0 0 0 1W 8 * *", from: "2026-01-01T00:00:00Z", count: 1) == ["2026-08-03T00:00:00+00:00"])
    // 30W when the 30th is the last day and a Sunday (2026-11-30 is a Monday; 2025-11-30 is a Sunday) → Friday 28th.
    #expect(
      try fires("0 0 0 30W 11 * *", from: "2025-01-01T00:00:00Z", count: 2) == [
        "2025-11-28T00:00:00+00:00", "2026-11-30T00:00:00+00:00",
      ])
    // 31W does not fire in 30-day months.
    #expect(
      try fires("0 0 0 31W 4,5 * *", from: "2026-01-01T00:00:00Z", count: 1) == ["2026-05-29T00:00:00+00:00"])
    // 5L: last Friday. 5#3: third Friday. 1#5: fifth Monday (months without one are skipped).
    #expect(
      try fires("0 0 0 ? * 5L *", from: "2026-01-01T00:00:00Z", count: 3) == [
        "2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00", "2026-03-27T00:00:00+00:00",
      ])
    #expect(
      try fires("0 0 0 ? * FRI#3 *", from: "2026-01-01T00:00:00Z", count: 3) == [
        "2026-01-16T00:00:00+00:00", "2026-02-20T00:00:00+00:00", "2026-03-20T00:00:00+00:00",
      ])
    #expect(
      try fires("0 0 0 ? * 1#5 *", from: "2026-01-01T00:00:00Z", count: 3) == [
        "2026-03-30T00:00:00+00:00", "2026-06-29T00:00:00+00:00", "2026-08-31T00:00:00+00:00",
      ])
  }

  @Test func yearBounds() throws {
    #expect(
      try fires("0 0 0 1 1 * 2099", from: "2026-01-01T00:00:00Z", count: 3) == ["2099-01-01T00:00:00+00:00"])
    #expect(try fires("0 0 0 1 1 * 2099", from: "2099-06-01T00:00:00Z").isEmpty)
    #expect(try fires("* * * * * * 1970", from: "2026-01-01T00:00:00Z").isEmpty)
    #expect(
      try fires("59 59 23 31 12 * *", from: "2099-12-31T23:59:58Z", count: 3) == ["2099-12-31T23:59:59+00:00"]
    )
    #expect(
      try fires("0 0 0 1 1 * 2030-2032", from: "2026-01-01T00:00:00Z", count: 5) == [
        "2030-01-01T00:00:00+00:00", "2031-01-01T00:00:00+00:00", "2032-01-01T00:00:00+00:00",
      ])
    #expect(
      try fires("0 0 0 1 1 * 2026/50", from: "2026-01-01T00:00:00Z", count: 5) == [
        "2076-01-01T00:00:00+00:00"
      ])
    // One-off SCF example: 2021-07-06 11:22:33.
    #expect(
      try fires("33 22 11 6 7 * 2021", from: "2021-01-01T00:00:00+08:00", zone: "Asia/Shanghai") == [
        "2021-07-06T11:22:33+08:00"
      ])
  }

  /// Expressions that can never fire answer nil (bounded search, no second-by-second iteration: that would scan
  /// billions of seconds up to the last year and run into the time limit).
  @Test(
    .timeLimit(.minutes(5)),
    arguments: [
      "0 0 0 30 2 * *", "0 0 0 31 4 * *", "0 0 0 31 2,4,6,9,11 * *", "0 0 0 30 2 * 2026-2099",
      "* * * 31 2 ? *",
    ])
  func neverFiringExpressionsAnswerAtOnce(expression: String) throws {
    let cron = try CronExpression(expression)
    let zone = try Zone.named("America/New_York")
    for _ in 0..<5 {
      #expect(cron.next(after: 1_767_225_600, in: zone) == nil)
    }
  }
}

@Suite struct CronDaylightSavingTests {
  @Test func newYorkSpringForwardGap() throws {
    // 2024-03-10: 02:00 EST jumps to 03:00 EDT. A fixed 02:30 fires once at 03:00 EDT.
    #expect(
      try fires("0 30 2 * * * *", from: "2024-03-09T12:00:00", zone: "America/New_York") == [
        "2024-03-10T03:00:00-04:00", "2024-03-11T02:30:00-04:00", "2024-03-12T02:30:00-04:00",
      ])
    // Several times inside the gap still fire only once.
    #expect(
      try fires("0 0,15,30,45 2 * * * *", from: "2024-03-10T01:00:00", zone: "America/New_York", count: 2)
        == [
          "2024-03-10T03:00:00-04:00", "2024-03-11T02:00:00-04:00",
        ])
    // An every-hour schedule skips the vanished hour.
    #expect(
      try fires("0 30 * * * * *", from: "2024-03-10T01:00:00", zone: "America/New_York") == [
        "2024-03-10T01:30:00-05:00", "2024-03-10T03:30:00-04:00", "2024-03-10T04:30:00-04:00",
      ])
  }

  @Test func newYorkFallBackOverlap() throws {
    // 2024-11-03: 02:00 EDT goes back to 01:00 EST; 01:30 happens twice and fires twice.
    #expect(
      try fires("0 30 1 * * * *", from: "2024-11-02T12:00:00", zone: "America/New_York", count: 4) == [
        "2024-11-03T01:30:00-04:00", "2024-11-03T01:30:00-05:00", "2024-11-04T01:30:00-05:00",
        "2024-11-05T01:30:00-05:00",
      ])
    // From inside the first pass, the second pass still comes.
    #expect(
      try fires("0 0/20 1 * * * *", from: "2024-11-03T01:45:00-04:00", zone: "America/New_York", count: 4)
        == [
          "2024-11-03T01:00:00-05:00", "2024-11-03T01:20:00-05:00", "2024-11-03T01:40:00-05:00",
          "2024-11-04T01:00:00-05:00",
        ])
  }

  @Test func londonGapAndOverlap() throws {
    // 2024-03-31 01:00 GMT → 02:00 BST; 2024-10-27 02:00 BST → 01:00 GMT.
    #expect(
      try fires("0 30 1 * * * *", from: "2024-03-30T12:00:00", zone: "Europe/London") == [
        "2024-03-31T02:00:00+01:00", "2024-04-01T01:30:00+01:00", "2024-04-02T01:30:00+01:00",
      ])
    #expect(
      try fires("0 30 1 * * * *", from: "2024-10-26T12:00:00", zone: "Europe/London") == [
        "2024-10-27T01:30:00+01:00", "2024-10-27T01:30:00+00:00", "2024-10-28T01:30:00+00:00",
      ])
  }

  @Test func halfHourZones() throws {
    #expect(
      try fires("0 0 9 * * * *", from: "2026-01-01T00:00:00Z", zone: "Asia/Kolkata", count: 2) == [
        "2026-01-01T09:00:00+05:30", "2026-01-02T09:00:00+05:30",
      ])
    #expect(
      try fires("0 0 9 * * * *", from: "2026-01-01T00:00:00Z", zone: "+05:30", count: 1) == [
        "2026-01-01T09:00:00+05:30"
      ])
    // Lord Howe moves by 30 minutes: 2026-10-04 02:00 → 02:30.
    #expect(
      try fires("0 15 2 * * * *", from: "2026-10-03T12:00:00", zone: "Australia/Lord_Howe", count: 2) == [
        "2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00",
      ])
  }

  @Test func farFutureUsesTheZoneRule() throws {
    // Beyond the file's listed transitions the POSIX rule (EST5EDT,M3.2.0,M11.1.0) applies.
    #expect(
      try fires("0 30 2 * * * *", from: "2090-03-11T12:00:00", zone: "America/New_York", count: 2) == [
        "2090-03-12T03:00:00-04:00", "2090-03-13T02:30:00-04:00",
      ])
  }
}
