import Testing

@testable import VigilCron

@Suite struct CronInvalidTests {
  /// Each invalid expression, the field it must name (nil: whole expression), and words of the reason.
  @Test(
    arguments: [
      ("", nil, "empty"),
      ("* * * * * *", nil, "6 fields given"),
      ("* * * *", nil, "4 fields given"),
      ("* * * * * * * *", nil, "8 fields given"),
      ("60 * * * * * *", "second", "60 is out of range 0-59"),
      ("-1 * * * * * *", "second", "a value is missing"),
      ("* 60 * * * * *", "minute", "60 is out of range 0-59"),
      ("* * 24 * * * *", "hour", "24 is out of range 0-23"),
      ("* * * 0 * * *", "day-of-month", "0 is out of range 1-31"),
      ("* * * 32 * * *", "day-of-month", "32 is out of range 1-31"),
      ("* * * * 0 * *", "month", "0 is out of range 1-12"),
      ("* * * * 13 * *", "month", "13 is out of range 1-12"),
      ("* * * * * 7 *", "day-of-week", "7 is not a day of week here"),
      ("* * * * * 8 *", "day-of-week", "8 is out of range 0-6"),
      ("* * * * * * 1969", "year", "1969 is out of range 1970-2099"),
      ("* * * * * * 2100", "year", "2100 is out of range 1970-2099"),
      ("* * * * * * 2030-2026", "year", "must go forward"),
      ("*/0 * * * * * *", "second", "a step of 0 is invalid"),
      ("*/60 * * * * * *", "second", "step 60 is too large"),
      ("* * */24 * * * *", "hour", "step 24 is too large"),
      ("/5 * * * * * *", "second", "a step needs a start"),
      ("5/ * * * * * *", "second", "the step after '/' must be a positive whole number"),
      ("*/x * * * * * *", "second", "the step after '/' must be a positive whole number"),
      ("1-2-3 * * * * * *", "second", "is not a number"),
      ("1,,2 * * * * * *", "second", "empty item"),
      ("1, * * * * * *", "second", "empty item"),
      ("abc * * * * * *", "second", "'abc' is not a number"),
      ("* * * * JANUARY * *", "month", "not a number or a name"),
      ("* * * * FOO * *", "month", "not a number or a name"),
      ("* * * * * FUNDAY *", "day-of-week", "not a number or a name"),
      ("* * * * * MON-FOO *", "day-of-week", "not a number or a name"),
      ("* * * MON * * *", "day-of-month", "not a number"),
      ("* * * * * JAN *", "day-of-week", "not a number or a name"),
      ("? * * * * * *", "second", "'?' is only allowed in day-of-month and day-of-week"),
      ("* * ? * * * *", "hour", "'?' is only allowed"),
      ("* * * * ? * *", "month", "'?' is only allowed"),
      ("* * * ?,1 * * *", "day-of-month", "'?' must stand alone"),
      ("* * * * * ?,1 *", "day-of-week", "'?' must stand alone"),
      ("* * * L-3 * * *", "day-of-month", "offsets like 'L-3' are not supported"),
      ("* * * 5#2 * * *", "day-of-month", "'#' belongs to day-of-week"),
      ("* * * 32W * * *", "day-of-month", "32 is out of range 1-31"),
      ("* * * W * * *", "day-of-month", "a value is missing"),
      ("* * * * * 5#6 *", "day-of-week", "the number after '#' must be 1-5"),
      ("* * * * * 5#0 *", "day-of-week", "the number after '#' must be 1-5"),
      ("* * * * * 5# *", "day-of-week", "the number after '#' must be 1-5"),
      ("* * * * * 9L *", "day-of-week", "9 is out of range 0-6"),
      ("* * * * * 5W *", "day-of-week", "'W' belongs to day-of-month"),
      ("L * * * * * *", "second", "only allowed in the day fields"),
      ("* * * * 1#2 * *", "month", "only allowed in the day fields"),
      ("* 5W * * * * *", "minute", "only allowed in the day fields"),
      ("99999 * * * * * *", "second", "is not a number"),
    ] as [(String, String?, String)])
  func invalidExpressionsNameFieldTokenAndReason(expression: String, field: String?, reason: String) throws {
    let error = try #require(throws: CronError.self) { try CronExpression(expression) }
    #expect(error.field == field, "\(error)")
    #expect(error.description.contains(reason), "\(error)")
    #expect(error.description.hasPrefix("invalid cron expression '\(expression)'"))
    if field != nil {
      #expect(error.token != nil, "\(error)")
      #expect(error.description.contains("\(field ?? "") field '"), "\(error)")
    }
  }
}

@Suite struct ZoneTests {
  @Test func shanghaiIsAlwaysPlusEight() throws {
    let zone = try Zone.named("Asia/Shanghai")
    for instant: Int64 in [0, 1_000_000_000, 1_767_225_600, 4_000_000_000] {
      #expect(zone.offset(at: instant) == 8 * 3600)
    }
  }

  @Test func newYorkOffsetsAndTransitions() throws {
    let zone = try Zone.named("America/New_York")
    let beforeSpring = try #require(ISO8601.parse("2024-03-10T06:59:59Z")).date(in: .utc)
    let afterSpring = try #require(ISO8601.parse("2024-03-10T07:00:00Z")).date(in: .utc)
    #expect(zone.offset(at: Int64(beforeSpring.timeIntervalSince1970)) == -5 * 3600)
    #expect(zone.offset(at: Int64(afterSpring.timeIntervalSince1970)) == -4 * 3600)
    #expect(
      zone.nextTransition(after: Int64(beforeSpring.timeIntervalSince1970))
        == Int64(afterSpring.timeIntervalSince1970))
    // Far beyond the table, the POSIX rule: 2080-07-01 is summer time.
    let summer2080 = try #require(ISO8601.parse("2080-07-01T12:00:00Z")).date(in: .utc)
    #expect(zone.offset(at: Int64(summer2080.timeIntervalSince1970)) == -4 * 3600)
  }

  @Test func wallTimesInGapsAndOverlaps() throws {
    let zone = try Zone.named("America/New_York")
    // 02:30 on 2024-03-10 does not exist: the first instant after the gap (07:00Z).
    let gap = zone.instant(of: LocalDateTime(year: 2024, month: 3, day: 10, hour: 2, minute: 30))
    #expect(gap == 1_710_054_000)
    // 01:30 on 2024-11-03 exists twice: the earlier (EDT, 05:30Z).
    let overlap = zone.instant(of: LocalDateTime(year: 2024, month: 11, day: 3, hour: 1, minute: 30))
    #expect(overlap == 1_730_611_800)
  }

  @Test func unknownZonesAreClearErrors() throws {
    let misspelt = try #require(throws: ZoneError.self) { try Zone.named("Asia/Shanghia") }
    #expect(misspelt.description.contains("unknown time zone 'Asia/Shanghia'"))
    #expect(throws: ZoneError.self) { try Zone.named("../../etc/passwd") }
    #expect(throws: ZoneError.self) { try Zone.named("+25:00") }
    #expect(try Zone.named("-03:30").offset(at: 0) == -(3 * 3600 + 1800))
  }

  @Test func posixRuleParsing() throws {
    let rule = try #require(PosixTimeZoneRule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"))
    #expect(rule.standardOffset == 37_800)
    #expect(rule.daylightOffset == 39_600)
    #expect(PosixTimeZoneRule("CST-8")?.daylightOffset == nil)
    #expect(PosixTimeZoneRule("EST5EDT,M3.2.0/2,M11.1.0/2")?.standardOffset == -18_000)
    #expect(PosixTimeZoneRule("X") == nil)
    #expect(PosixTimeZoneRule("EST5EDT,M13.2.0,M11.1.0") == nil)
  }
}

@Suite struct ISO8601Tests {
  @Test(arguments: [
    ("2024-03-10T01:59:59-05:00", 1_710_053_999.0),
    ("2024-03-10T06:59:59Z", 1_710_053_999.0),
    ("2024-03-10T14:59:59+0800", 1_710_053_999.0),
    ("2024-03-10 06:59:59.250Z", 1_710_053_999.25),
    ("2024-03-10T06:59Z", 1_710_053_940.0),
    ("2024-03-10", 1_710_028_800.0),
  ])
  func parsesForms(text: String, expected: Double) throws {
    let parsed = try #require(ISO8601.parse(text))
    #expect(parsed.date(in: .utc).timeIntervalSince1970 == expected)
  }

  @Test(arguments: [
    "2024-13-01", "2024-02-30T00:00:00Z", "2024-03-10T24:00:00Z", "yesterday", "2024-03-10T01:00:00+15:00",
    "2024-03-10T01:00:00Zjunk",
  ])
  func rejectsMalformed(text: String) {
    #expect(ISO8601.parse(text) == nil)
  }

  @Test func formatsWithOffsets() throws {
    let instant = try #require(ISO8601.parse("2024-03-10T07:00:00Z")).date(in: .utc)
    #expect(ISO8601.format(instant, in: try Zone.named("America/New_York")) == "2024-03-10T03:00:00-04:00")
    #expect(ISO8601.format(instant, in: .utc) == "2024-03-10T07:00:00+00:00")
    #expect(ISO8601.format(instant, in: try Zone.named("Asia/Kolkata")) == "2024-03-10T12:30:00+05:30")
  }
}
