/// A Tencent SCF seven-field cron expression: `second minute hour day-of-month month day-of-week year`.
///
/// The legacy five-field form `minute hour day-of-month month day-of-week` is accepted (second 0, any year).
/// Day-of-week counts 0 = Sunday. `? L W LW` work in day-of-month and `? L #` in day-of-week. When both day
/// fields are restricted a day matching either fires (SCF: 两者为或关系); a field that is exactly `*` or `?`
/// is unrestricted.
package struct CronExpression: Sendable, Hashable, CustomStringConvertible {
  /// The text as given.
  package let source: String
  /// The fields as seven tokens (five-field input is expanded).
  package let fields: [String]

  var seconds = CronBitSet()
  var minutes = CronBitSet()
  var hours = CronBitSet()
  var months = CronBitSet()
  /// Years as offsets from 1970.
  var years = CronBitSet()
  var daysOfMonth = CronBitSet()
  var lastDayOfMonth = false
  var lastWeekdayOfMonth = false
  /// `nW`: the weekday nearest to day n.
  var nearestWeekdays = CronBitSet()
  var daysOfWeek = CronBitSet()
  /// `dL`: the last weekday d of the month.
  var lastWeekdays = CronBitSet()
  /// `d#n`: bit d * 5 + (n - 1).
  var nthWeekdays = CronBitSet()
  var dayOfMonthRestricted = false
  var dayOfWeekRestricted = false

  package var description: String { source }

  /// Whether every hour of the day is in the hour field (then a time lost to a DST gap is skipped, since
  /// the schedule runs in the hours either side of it anyway).
  package var runsEveryHour: Bool { hours.count == 24 }

  /// Parses and validates `text`.
  package init(_ text: String) throws(CronError) {
    source = text
    let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    switch parts.count {
    case 7: fields = parts
    case 5: fields = ["0"] + parts + ["*"]
    case 0:
      throw CronError(
        expression: text, field: nil, token: nil,
        reason:
          "the expression is empty; expected seven fields: second minute hour day-of-month month day-of-week year"
      )
    case 6:
      throw CronError(
        expression: text, field: nil, token: nil,
        reason:
          "6 fields given; Vigil takes seven (second minute hour day-of-month month day-of-week year) or the legacy five (minute hour day-of-month month day-of-week) — add the year field, e.g. '*'"
      )
    default:
      throw CronError(
        expression: text, field: nil, token: nil,
        reason:
          "\(parts.count) fields given; expected seven: second minute hour day-of-month month day-of-week year"
      )
    }
    try parsePlain(fields[0], .second, into: &seconds)
    try parsePlain(fields[1], .minute, into: &minutes)
    try parsePlain(fields[2], .hour, into: &hours)
    try parseDayOfMonth(fields[3])
    try parsePlain(fields[4], .month, into: &months)
    try parseDayOfWeek(fields[5])
    try parsePlain(fields[6], .year, into: &years)
  }

  private func items(_ text: String, _ kind: CronFieldKind) throws(CronError) -> [Substring] {
    let items = text.split(separator: ",", omittingEmptySubsequences: false)
    if let empty = items.first(where: { $0.isEmpty }) {
      _ = empty
      throw CronError(expression: source, field: kind.name, token: text, reason: "empty item in a ',' list")
    }
    return items
  }

  private func parsePlain(_ text: String, _ kind: CronFieldKind, into set: inout CronBitSet) throws(CronError)
  {
    let parser = CronFieldParser(kind: kind, expression: source)
    for item in try items(text, kind) {
      if item == "?" {
        throw parser.fail(item, "'?' is only allowed in day-of-month and day-of-week")
      }
      if item.uppercased().contains("L") && kind.names.isEmpty || item.contains("#")
        || item.uppercased().hasSuffix("W") && kind.names.isEmpty
      {
        throw parser.fail(item, "'L', 'W' and '#' are only allowed in the day fields")
      }
      try parser.addItem(item, to: &set)
    }
  }

  private mutating func parseDayOfMonth(_ text: String) throws(CronError) {
    let kind = CronFieldKind.dayOfMonth
    let parser = CronFieldParser(kind: kind, expression: source)
    dayOfMonthRestricted = !(text == "*" || text == "?")
    for item in try items(text, kind) {
      let upper = item.uppercased()
      if item == "?" {
        if text != "?" { throw parser.fail(item, "'?' must stand alone in the field") }
        for day in 1...31 { daysOfMonth.insert(day) }
      } else if upper == "L" {
        lastDayOfMonth = true
      } else if upper == "LW" || upper == "WL" {
        lastWeekdayOfMonth = true
      } else if upper.hasPrefix("L") {
        throw parser.fail(
          item,
          "'L' in day-of-month stands alone (last day) or as 'LW' (last weekday); offsets like 'L-3' are not supported"
        )
      } else if upper.hasSuffix("W") {
        let day = try parser.value(item.dropLast(), in: item)
        nearestWeekdays.insert(day)
      } else if upper.contains("W") || upper.contains("L") || item.contains("#") {
        throw parser.fail(
          item, "'W' follows a day (15W), 'L' stands alone or as 'LW'; '#' belongs to day-of-week")
      } else {
        try parser.addItem(item, to: &daysOfMonth)
      }
    }
  }

  private mutating func parseDayOfWeek(_ text: String) throws(CronError) {
    let kind = CronFieldKind.dayOfWeek
    let parser = CronFieldParser(kind: kind, expression: source)
    dayOfWeekRestricted = !(text == "*" || text == "?")
    for item in try items(text, kind) {
      let upper = item.uppercased()
      if item == "?" {
        if text != "?" { throw parser.fail(item, "'?' must stand alone in the field") }
        for day in 0...6 { daysOfWeek.insert(day) }
      } else if upper == "L" {
        daysOfWeek.insert(6)  // Quartz: 'L' alone in day-of-week is the last day of the week, Saturday
      } else if upper.hasSuffix("L") && !upper.hasSuffix("-L") && !item.contains("/") && !upper.contains("-")
      {
        let day = try parser.value(item.dropLast(), in: item)
        lastWeekdays.insert(day)
      } else if let hash = item.firstIndex(of: "#") {
        let day = try parser.value(item[item.startIndex..<hash], in: item)
        let nthText = item[item.index(after: hash)...]
        guard let nth = Int(nthText), (1...5).contains(nth) else {
          throw parser.fail(
            item, "the number after '#' must be 1-5 (which week of the month), found '\(nthText)'")
        }
        nthWeekdays.insert(day * 5 + nth - 1)
      } else if upper.contains("L") && !kind.names.contains(where: { upper.includes($0) })
        || upper.contains("W") && !kind.names.contains(where: { upper.includes($0) })
      {
        throw parser.fail(item, "'L' follows a weekday (5L = last Friday), 'W' belongs to day-of-month")
      } else {
        try parser.addItem(item, to: &daysOfWeek)
      }
    }
  }
}

extension CronExpression {
  /// Whether the day-of-month field matches `day` of `year`-`month`.
  func dayOfMonthMatches(year: Int, month: Int, day: Int, length: Int) -> Bool {
    if daysOfMonth.contains(day) { return true }
    if lastDayOfMonth && day == length { return true }
    if lastWeekdayOfMonth || !nearestWeekdays.isEmpty {
      let firstDay = CivilTime.days(year: year, month: month, day: 1)
      func weekday(_ d: Int) -> Int { CivilTime.weekday(days: firstDay + Int64(d - 1)) }
      if lastWeekdayOfMonth {
        let last = weekday(length)
        let target = last == 6 ? length - 1 : last == 0 ? length - 2 : length
        if day == target { return true }
      }
      if !nearestWeekdays.isEmpty {
        // The candidates: day itself (a weekday), or a Saturday/Sunday neighbour that moves here.
        for requested in [day, day + 1, day - 1, day + 2, day - 2] where requested >= 1 && requested <= length
        {
          guard nearestWeekdays.contains(requested) else { continue }
          let w = weekday(requested)
          var target = requested
          if w == 6 { target = requested == 1 ? 3 : requested - 1 }
          if w == 0 { target = requested == length ? requested - 2 : requested + 1 }
          if target == day { return true }
        }
      }
    }
    return false
  }

  func dayOfWeekMatches(weekday: Int, day: Int, length: Int) -> Bool {
    if daysOfWeek.contains(weekday) { return true }
    if lastWeekdays.contains(weekday) && day + 7 > length { return true }
    if !nthWeekdays.isEmpty && nthWeekdays.contains(weekday * 5 + (day - 1) / 7) { return true }
    return false
  }

  func dayMatches(year: Int, month: Int, day: Int, length: Int) -> Bool {
    switch (dayOfMonthRestricted, dayOfWeekRestricted) {
    case (false, false): return true
    case (true, false): return dayOfMonthMatches(year: year, month: month, day: day, length: length)
    case (false, true), (true, true):
      let weekday = CivilTime.weekday(days: CivilTime.days(year: year, month: month, day: day))
      if dayOfWeekMatches(weekday: weekday, day: day, length: length) { return true }
      return dayOfMonthRestricted && dayOfMonthMatches(year: year, month: month, day: day, length: length)
    }
  }

  /// Whether the expression matches a wall-clock time.
  package func matches(_ local: LocalDateTime) -> Bool {
    guard (1970...2099).contains(local.year), years.contains(local.year - 1970), months.contains(local.month),
      hours.contains(local.hour), minutes.contains(local.minute), seconds.contains(local.second)
    else { return false }
    return dayMatches(
      year: local.year, month: local.month, day: local.day,
      length: CivilTime.daysInMonth(year: local.year, month: local.month))
  }

  /// The first matching wall-clock time strictly after `wall` (wall seconds), bounded by the end of 2099.
  func nextLocal(after wall: Int64) -> Int64? {
    var t = LocalDateTime(wallSeconds: wall + 1)
    var (year, month, day, hour, minute, second) = (t.year, t.month, t.day, t.hour, t.minute, t.second)
    if year < 1970 { (year, month, day, hour, minute, second) = (1970, 1, 1, 0, 0, 0) }
    while year <= 2099 {
      guard let nextYear = years.next(atOrAfter: year - 1970).map({ $0 + 1970 }), nextYear <= 2099 else {
        return nil
      }
      if nextYear != year { (year, month, day, hour, minute, second) = (nextYear, 1, 1, 0, 0, 0) }
      guard let nextMonth = months.next(atOrAfter: month), nextMonth <= 12 else {
        (year, month, day, hour, minute, second) = (year + 1, 1, 1, 0, 0, 0)
        continue
      }
      if nextMonth != month { (month, day, hour, minute, second) = (nextMonth, 1, 0, 0, 0) }
      let length = CivilTime.daysInMonth(year: year, month: month)
      while day <= length && !dayMatches(year: year, month: month, day: day, length: length) {
        (day, hour, minute, second) = (day + 1, 0, 0, 0)
      }
      if day > length {
        (month, day, hour, minute, second) = (month + 1, 1, 0, 0, 0)
        if month > 12 { (year, month) = (year + 1, 1) }
        continue
      }
      guard let nextHour = hours.next(atOrAfter: hour), nextHour <= 23 else {
        (day, hour, minute, second) = (day + 1, 0, 0, 0)
        continue
      }
      if nextHour != hour { (hour, minute, second) = (nextHour, 0, 0) }
      guard let nextMinute = minutes.next(atOrAfter: minute), nextMinute <= 59 else {
        (hour, minute, second) = (hour + 1, 0, 0)
        if hour > 23 { (day, hour) = (day + 1, 0) }
        continue
      }
      if nextMinute != minute { (minute, second) = (nextMinute, 0) }
      guard let nextSecond = seconds.next(atOrAfter: second), nextSecond <= 59 else {
        (minute, second) = (minute + 1, 0)
        if minute > 59 { (hour, minute) = (hour + 1, 0) }
        if hour > 23 { (day, hour) = (day + 1, 0) }
        continue
      }
      t = LocalDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: nextSecond)
      return t.wallSeconds
    }
    return nil
  }
}
