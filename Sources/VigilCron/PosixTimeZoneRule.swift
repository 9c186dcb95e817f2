/// The POSIX TZ string at the end of a TZif file (`EST5EDT,M3.2.0,M11.1.0`): the rule for every instant
/// after the file's last listed transition.
struct PosixTimeZoneRule: Sendable, Hashable {
  /// UTC offset in seconds, east positive (POSIX writes it west positive; we store it the usual way).
  var standardOffset: Int
  var daylightOffset: Int?
  var start: DateRule?
  var end: DateRule?

  /// When in the year a change happens, and at what local time.
  struct DateRule: Sendable, Hashable {
    enum Day: Sendable, Hashable {
      /// `Jn`: day 1-365, February 29 never counted.
      case julianNoLeap(Int)
      /// `n`: day 0-365, counting February 29.
      case zeroBased(Int)
      /// `Mm.w.d`: weekday d (0 = Sunday) of week w (5 = last) of month m.
      case monthWeekDay(month: Int, week: Int, weekday: Int)
    }
    var day: Day
    /// Seconds after local midnight (may be negative or past 24 h).
    var time: Int

    func dayNumber(year: Int) -> Int64 {
      switch day {
      case .julianNoLeap(let n):
        var dayOfYear = n - 1
        if CivilTime.isLeapYear(year) && n >= 60 { dayOfYear += 1 }
        return CivilTime.days(year: year, month: 1, day: 1) + Int64(dayOfYear)
      case .zeroBased(let n):
        return CivilTime.days(year: year, month: 1, day: 1) + Int64(n)
      case .monthWeekDay(let month, let week, let weekday):
        let first = CivilTime.days(year: year, month: month, day: 1)
        let firstWeekday = CivilTime.weekday(days: first)
        var day = 1 + (weekday - firstWeekday + 7) % 7 + (week - 1) * 7
        let length = CivilTime.daysInMonth(year: year, month: month)
        while day > length { day -= 7 }
        return first + Int64(day - 1)
      }
    }
  }

  /// Parses a TZ string; nil when malformed or empty.
  init?(_ text: String) {
    var scanner = Scanner(Array(text.utf8))
    guard scanner.skipName(), let standard = scanner.offset() else { return nil }
    standardOffset = -standard
    if scanner.atEnd {
      daylightOffset = nil
      return
    }
    guard scanner.skipName() else { return nil }
    if let explicit = scanner.offset() {
      daylightOffset = -explicit
    } else {
      daylightOffset = standardOffset + 3600
    }
    if scanner.atEnd {
      // No rule: POSIX default is M3.2.0,M11.1.0 (US rules).
      start = DateRule(day: .monthWeekDay(month: 3, week: 2, weekday: 0), time: 7200)
      end = DateRule(day: .monthWeekDay(month: 11, week: 1, weekday: 0), time: 7200)
      return
    }
    guard scanner.consume(UInt8(ascii: ",")), let start = scanner.dateRule(),
      scanner.consume(UInt8(ascii: ",")), let end = scanner.dateRule(), scanner.atEnd
    else { return nil }
    self.start = start
    self.end = end
  }

  /// The changes in `year`: (instant, offset in force after it), in time order.
  func transitions(year: Int) -> [(at: Int64, offset: Int)] {
    guard let daylightOffset, let start, let end else { return [] }
    let startAt = start.dayNumber(year: year) * 86_400 + Int64(start.time) - Int64(standardOffset)
    let endAt = end.dayNumber(year: year) * 86_400 + Int64(end.time) - Int64(daylightOffset)
    return [(startAt, daylightOffset), (endAt, standardOffset)].sorted { $0.at < $1.at }
  }

  private func transitions(around instant: Int64) -> [(at: Int64, offset: Int)] {
    let year = LocalDateTime(wallSeconds: instant + Int64(standardOffset)).year
    return (year - 1...year + 1).flatMap { transitions(year: $0) }
  }

  func offset(at instant: Int64) -> Int {
    guard daylightOffset != nil else { return standardOffset }
    return transitions(around: instant).last { $0.at <= instant }?.offset ?? standardOffset
  }

  func nextTransition(after instant: Int64) -> Int64? {
    guard daylightOffset != nil else { return nil }
    return transitions(around: instant).first { $0.at > instant }?.at
  }

  private struct Scanner {
    let bytes: [UInt8]
    var position = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }
    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func consume(_ byte: UInt8) -> Bool {
      guard peek == byte else { return false }
      position += 1
      return true
    }

    mutating func skipName() -> Bool {
      if consume(UInt8(ascii: "<")) {
        while let byte = peek, byte != UInt8(ascii: ">") { position += 1 }
        return consume(UInt8(ascii: ">"))
      }
      let start = position
      while let byte = peek, (byte | 0x20) >= UInt8(ascii: "a"), (byte | 0x20) <= UInt8(ascii: "z") {
        position += 1
      }
      return position - start >= 3
    }

    mutating func number() -> Int? {
      let start = position
      var value = 0
      while let byte = peek, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
        position += 1
      }
      return position > start ? value : nil
    }

    /// `[+-]hh[:mm[:ss]]` in seconds.
    mutating func offset() -> Int? {
      var sign = 1
      if consume(UInt8(ascii: "-")) { sign = -1 } else { _ = consume(UInt8(ascii: "+")) }
      guard let hours = number() else { return nil }
      var seconds = hours * 3600
      if consume(UInt8(ascii: ":")) {
        guard let minutes = number() else { return nil }
        seconds += minutes * 60
        if consume(UInt8(ascii: ":")) {
          guard let secs = number() else { return nil }
          seconds += secs
        }
      }
      return sign * seconds
    }

    mutating func dateRule() -> DateRule? {
      let day: DateRule.Day
      if consume(UInt8(ascii: "J")) {
        guard let n = number(), (1...365).contains(n) else { return nil }
        day = .julianNoLeap(n)
      } else if consume(UInt8(ascii: "M")) {
        guard let month = number(), consume(UInt8(ascii: ".")), let week = number(),
          consume(UInt8(ascii: ".")),
          let weekday = number(), (1...12).contains(month), (1...5).contains(week), (0...6).contains(weekday)
        else { return nil }
        day = .monthWeekDay(month: month, week: week, weekday: weekday)
      } else {
        guard let n = number(), (0...365).contains(n) else { return nil }
        day = .zeroBased(n)
      }
      var time = 7200
      if consume(UInt8(ascii: "/")) {
        guard let parsed = offset() else { return nil }
        time = parsed
      }
      return DateRule(day: day, time: time)
    }
  }
}
