/// Translates a seven-field (Tencent SCF) cron expression into an Amazon EventBridge `cron(...)` expression, or
/// says why it cannot: EventBridge has no seconds field, takes only one of the two day fields (the other is
/// `?`), numbers days of the week 1-7 from Sunday (SCF: 0-6), and has no `LW`.
package enum AWSCron {
  package struct Untranslatable: Error, Sendable, Hashable, CustomStringConvertible {
    package var reason: String
    package var description: String { reason }
  }

  /// `cron(min hour day-of-month month day-of-week year)`, equivalent to `expression`.
  package static func translate(_ expression: String) throws -> String {
    _ = try CronExpression(expression)  // a valid expression first, with its own precise errors
    var fields = expression.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    if fields.count == 5 { fields = ["0"] + fields + ["*"] }
    guard fields.count == 7 else {
      throw Untranslatable(reason: "expected seven fields, found \(fields.count)")
    }
    let (second, minute, hour, dayOfMonth, month, dayOfWeek, year) =
      (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6])
    guard second == "0" || second == "00" else {
      throw Untranslatable(
        reason:
          "the seconds field is '\(second)': EventBridge cron has no seconds field and fires at second 0, at most once a minute; run sub-minute checks with 'vigil schedule' instead"
      )
    }
    let domFree = dayOfMonth == "*" || dayOfMonth == "?"
    let dowFree = dayOfWeek == "*" || dayOfWeek == "?"
    guard domFree || dowFree else {
      throw Untranslatable(
        reason:
          "both day fields are restricted (day-of-month '\(dayOfMonth)', day-of-week '\(dayOfWeek)'), which fires when either matches; EventBridge takes only one of them (the other must be '?'): split it into two schedules"
      )
    }
    guard !dayOfMonth.includes("LW") else {
      throw Untranslatable(reason: "'LW' (last weekday of the month) has no EventBridge equivalent")
    }
    let days: (String, String)
    if dowFree {
      days = (domFree ? "*" : dayOfMonth, "?")
    } else {
      days = ("?", try weekdays(dayOfWeek))
    }
    return "cron(\(minute) \(hour) \(days.0) \(month) \(days.1) \(year))"
  }

  /// SCF day-of-week (0 = Sunday) in EventBridge numbering (1 = Sunday); names stay as they are.
  static func weekdays(_ field: String) throws(Untranslatable) -> String {
    try field.split(separator: ",").map { part throws(Untranslatable) -> String in
      var text = String(part)
      var step = ""
      if let slash = text.firstIndex(of: "/") {
        step = String(text[slash...])
        text = String(text[..<slash])
      }
      if text == "*" { return "*" + step }
      if let hash = text.firstIndex(of: "#") {
        return try shift(String(text[..<hash])) + String(text[hash...]) + step
      }
      if text.hasSuffix("L") && text.count > 1 { return try shift(String(text.dropLast())) + "L" + step }
      if text == "L" { return "L" + step }
      let ends = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
      return try ends.map { end throws(Untranslatable) in try shift(end) }.joined(separator: "-") + step
    }.joined(separator: ",")
  }

  static func shift(_ day: String) throws(Untranslatable) -> String {
    if let number = Int(day) {
      guard (0...6).contains(number) else {
        throw Untranslatable(reason: "day of week \(number) is out of 0-6")
      }
      return String(number + 1)
    }
    return day.uppercased()  // SUN…SAT mean the same days in both
  }
}
