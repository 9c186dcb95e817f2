/// ISO-8601 timestamps with explicit UTC offsets (`2024-03-10T03:00:00-04:00`), written and read without
/// Foundation's formatters.
package enum ISO8601 {
  /// Formats `date` with the offset (seconds east) given; `Z` is never used, `+00:00` is.
  package static func format(_ date: Instant, offset: Int = 0, fractional: Bool = false) -> String {
    let seconds = date.timeIntervalSince1970
    let whole = Int64(seconds.rounded(.down))
    var text = LocalDateTime(wallSeconds: whole + Int64(offset)).description
    if fractional {
      let millis = Int(((seconds - Double(whole)) * 1000).rounded(.down))
      text += "." + String(repeating: "0", count: 3 - String(millis).count) + String(millis)
    }
    return text + formatOffset(offset)
  }

  /// UTC with `Z`, and milliseconds only when there is a fraction: `2026-12-04T03:51:15Z`,
  /// `2026-12-04T03:51:15.250Z` (how instants appear in JSON).
  package static func utcText(_ instant: Instant) -> String {
    let seconds = instant.timeIntervalSince1970
    let whole = seconds.rounded(.down)
    let millis = Int(((seconds - whole) * 1000).rounded(.down))
    let text = LocalDateTime(wallSeconds: Int64(whole)).description
    guard millis > 0 else { return text + "Z" }
    let digits = String(millis)
    let padded = String(repeating: "0", count: 3 - digits.count) + digits
    return "\(text).\(padded)Z"
  }

  /// Formats `date` in `zone` with the offset in force there at that instant.
  package static func format(_ date: Instant, in zone: Zone, fractional: Bool = false) -> String {
    format(
      date, offset: zone.offset(at: Int64(date.timeIntervalSince1970.rounded(.down))), fractional: fractional)
  }

  /// `+08:00`, `-04:00`, `+05:30`.
  package static func formatOffset(_ offset: Int) -> String {
    let magnitude = abs(offset)
    return (offset < 0 ? "-" : "+") + pad2(magnitude / 3600) + ":" + pad2(magnitude % 3600 / 60)
  }

  /// A parsed timestamp: the wall time and, when written, its offset.
  package struct Parsed: Sendable, Hashable {
    package var local: LocalDateTime
    package var fraction: Double
    package var offset: Int?

    /// The instant; a timestamp without an offset is read in `zone`.
    package func date(in zone: Zone) -> Instant {
      let instant: Int64
      if let offset {
        instant = local.wallSeconds - Int64(offset)
      } else {
        instant = zone.instant(of: local)
      }
      return Instant(timeIntervalSince1970: Double(instant) + fraction)
    }
  }

  /// Reads `2024-03-10T01:59:59-05:00`, `…Z`, `…+0800`, `2024-03-10 01:59:59`, `2024-03-10T01:59`,
  /// `2024-03-10`, with optional fractional seconds; nil when malformed or out of range.
  package static func parse(_ text: String) -> Parsed? {
    let bytes = Array(text.utf8)
    var position = 0
    func digits(_ count: Int) -> Int? {
      guard position + count <= bytes.count else { return nil }
      var value = 0
      for index in position..<position + count {
        let byte = bytes[index]
        guard byte >= 48, byte <= 57 else { return nil }
        value = value * 10 + Int(byte - 48)
      }
      position += count
      return value
    }
    func consume(_ character: UInt8) -> Bool {
      guard position < bytes.count, bytes[position] == character else { return false }
      position += 1
      return true
    }
    guard let year = digits(4), consume(45), let month = digits(2), consume(45), let day = digits(2) else {
      return nil
    }
    guard (1...12).contains(month), day >= 1, day <= CivilTime.daysInMonth(year: year, month: month) else {
      return nil
    }
    var hour = 0
    var minute = 0
    var second = 0
    var fraction = 0.0
    if consume(84) || consume(116) || consume(32) {  // T, t, space
      guard let h = digits(2), consume(58), let m = digits(2) else { return nil }
      hour = h
      minute = m
      if consume(58) {
        guard let s = digits(2) else { return nil }
        second = s
        if consume(46) || consume(44) {
          let start = position
          while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 { position += 1 }
          guard position > start else { return nil }
          fraction = Double("0." + String(decoding: bytes[start..<position], as: UTF8.self)) ?? 0
        }
      }
      guard hour < 24, minute < 60, second < 60 else { return nil }
    }
    var offset: Int?
    if consume(90) || consume(122) {  // Z, z
      offset = 0
    } else if position < bytes.count, bytes[position] == 43 || bytes[position] == 45 {
      let negative = bytes[position] == 45
      position += 1
      guard let h = digits(2) else { return nil }
      _ = consume(58)
      let m = digits(2) ?? 0
      guard h <= 14, m < 60 else { return nil }
      offset = (negative ? -1 : 1) * (h * 3600 + m * 60)
    }
    guard position == bytes.count else { return nil }
    return Parsed(
      local: LocalDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second),
      fraction: fraction, offset: offset)
  }
}
