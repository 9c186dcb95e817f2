import Foundation

/// A second implementation of seven-field cron (second minute hour day-of-month month day-of-week year), for
/// the property test only. It is written from `shared/reference/cron.md` and shares nothing with VigilCron:
/// its own field parser and matcher, its own civil-date arithmetic, and Foundation's time zones for offsets
/// and transitions. It knows the vocabulary the property test generates: `*`, `?`, numbers, names, lists,
/// ranges (wrapping ones too: `22-2`, `OCT-FEB`), steps, and `L`, `LW`, `nW`, `nL`, `n#k`.
struct ReferenceCron {
  let seconds: Set<Int>
  let minutes: Set<Int>
  let hours: Set<Int>
  let months: Set<Int>
  let dayOfMonth: [Substring]
  let dayOfWeek: [Substring]
  let domRestricted: Bool
  let dowRestricted: Bool

  static let monthNames = [
    "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10,
    "NOV": 11, "DEC": 12,
  ]
  static let dayNames = ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6]

  init(_ text: String) {
    let fields = text.split(separator: " ")
    precondition(fields.count == 7, "the property test writes seven fields")
    seconds = Self.values(fields[0], 0...59, [:])
    minutes = Self.values(fields[1], 0...59, [:])
    hours = Self.values(fields[2], 0...23, [:])
    dayOfMonth = fields[3].split(separator: ",")
    months = Self.values(fields[4], 1...12, Self.monthNames)
    dayOfWeek = fields[5].split(separator: ",")
    domRestricted = fields[3] != "*" && fields[3] != "?"
    dowRestricted = fields[5] != "*" && fields[5] != "?"
  }

  /// cron.md's gap rule spares schedules that run every hour.
  var runsEveryHour: Bool { hours.count == 24 }

  /// The values a plain field (no L, W, #) allows.
  static func values(_ field: Substring, _ range: ClosedRange<Int>, _ names: [String: Int]) -> Set<Int> {
    var result: Set<Int> = []
    for item in field.split(separator: ",") {
      let parts = item.split(separator: "/")
      let step = parts.count == 2 ? Int(parts[1]) ?? 1 : 1
      var sequence: [Int]
      if parts[0] == "*" || parts[0] == "?" {
        sequence = Array(range)
      } else if parts[0].contains("-") {
        let ends = parts[0].split(separator: "-").map { number($0, names) }
        // A range whose start is after its end wraps around the field's end.
        sequence =
          ends[0] <= ends[1]
          ? Array(ends[0]...ends[1]) : Array(ends[0]...range.upperBound) + Array(range.lowerBound...ends[1])
      } else {
        let start = number(parts[0], names)
        sequence = parts.count == 2 ? Array(start...range.upperBound) : [start]
      }
      result.formUnion(sequence.enumerated().filter { $0.offset % step == 0 }.map(\.element))
    }
    return result
  }

  static func number(_ text: Substring, _ names: [String: Int]) -> Int {
    Int(text) ?? names[text.uppercased()] ?? -1
  }

  /// A civil date and time: proleptic Gregorian, from seconds since the epoch of a wall clock.
  struct Wall {
    var year, month, day, hour, minute, second, weekday: Int  // weekday 0 = Sunday

    init(wallSeconds: Int64) {
      let days = Int(wallSeconds >= 0 ? wallSeconds / 86_400 : (wallSeconds - 86_399) / 86_400)
      let rest = Int(wallSeconds - Int64(days) * 86_400)
      (hour, minute, second) = (rest / 3600, rest % 3600 / 60, rest % 60)
      weekday = ((days % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
      // Howard Hinnant's days-to-civil.
      let z = days + 719_468
      let era = (z >= 0 ? z : z - 146_096) / 146_097
      let doe = z - era * 146_097
      let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
      let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
      let mp = (5 * doy + 2) / 153
      day = doy - (153 * mp + 2) / 5 + 1
      month = mp < 10 ? mp + 3 : mp - 9
      year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    var daysInMonth: Int {
      switch month {
      case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
      case 4, 6, 9, 11: return 30
      default: return 31
      }
    }

    /// The weekday of another day of the same month.
    func weekday(ofDay other: Int) -> Int { ((weekday + other - day) % 7 + 7) % 7 }
  }

  func matches(wallSeconds: Int64) -> Bool {
    let wall = Wall(wallSeconds: wallSeconds)
    guard seconds.contains(wall.second), minutes.contains(wall.minute), hours.contains(wall.hour),
      months.contains(wall.month)
    else { return false }
    let dom = dayOfMonth.contains { domItem($0, wall) }
    let dow = dayOfWeek.contains { dowItem($0, wall) }
    // cron.md: both restricted → OR; an unrestricted one leaves the other alone to decide.
    switch (domRestricted, dowRestricted) {
    case (true, true): return dom || dow
    case (true, false): return dom
    case (false, true): return dow
    case (false, false): return true
    }
  }

  func domItem(_ item: Substring, _ wall: Wall) -> Bool {
    let last = wall.daysInMonth
    if item == "L" { return wall.day == last }
    if item == "LW" {
      var day = last
      while (1...5).contains(wall.weekday(ofDay: day)) == false { day -= 1 }
      return wall.day == day
    }
    if item.hasSuffix("W"), let target = Int(item.dropLast()) {
      // The weekday nearest the target day, without leaving the month.
      let day = min(target, last)
      var nearest = day
      switch wall.weekday(ofDay: day) {
      case 6: nearest = day == 1 ? 3 : day - 1
      case 0: nearest = day == last ? day - 2 : day + 1
      default: break
      }
      return wall.day == nearest
    }
    return Self.values(item, 1...31, [:]).contains(wall.day)
  }

  func dowItem(_ item: Substring, _ wall: Wall) -> Bool {
    if item.hasSuffix("L"), item.count > 1 {
      let weekday = Self.number(item.dropLast(), Self.dayNames)
      return wall.weekday == weekday && wall.day + 7 > wall.daysInMonth
    }
    if let hash = item.firstIndex(of: "#") {
      let weekday = Self.number(item[..<hash], Self.dayNames)
      let nth = Int(item[item.index(after: hash)...]) ?? 0
      return wall.weekday == weekday && (wall.day - 1) / 7 + 1 == nth
    }
    return Self.values(item, 0...6, Self.dayNames).contains(wall.weekday)
  }
}

/// Offsets and transitions from Foundation's time zones (the system tzdata through ICU or Foundation's own
/// reader): not VigilCron's zone code.
struct ReferenceZone {
  let zone: TimeZone

  init?(_ name: String) {
    guard let zone = TimeZone(identifier: name) else { return nil }
    self.zone = zone
  }

  func offset(at instant: Int64) -> Int64 {
    Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
  }

  func nextTransition(after instant: Int64) -> Int64? {
    zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(instant))).map {
      Int64($0.timeIntervalSince1970.rounded())
    }
  }
}
