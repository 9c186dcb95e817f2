#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A moment in time: seconds since 1970-01-01T00:00:00Z (UTC; leap seconds not counted), as the system clock
/// reads it. Vigil's own time type, so the runtime needs no Foundation (which would add 5 MB to every
/// function's binary); convert with `Foundation.Instant(timeIntervalSince1970: instant.timeIntervalSince1970)`.
///
/// In JSON (results, state records) an instant is an ISO 8601 text in UTC, with milliseconds when it has a
/// fraction: `"2026-12-04T03:51:15Z"`, `"2026-12-04T03:51:15.250Z"`.
public struct Instant: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// Seconds since 1970-01-01T00:00:00Z.
  public var timeIntervalSince1970: Double

  /// The instant `seconds` after 1970-01-01T00:00:00Z.
  public init(timeIntervalSince1970 seconds: Double) {
    timeIntervalSince1970 = seconds
  }

  /// Now, from the system's real-time clock.
  public init() {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    timeIntervalSince1970 = Double(now.tv_sec) + Double(now.tv_nsec) / 1_000_000_000
  }

  /// Now, from the system's real-time clock.
  public static var now: Instant { Instant() }

  /// An instant long before any check ran (year 1).
  public static let distantPast = Instant(timeIntervalSince1970: -62_135_596_800)
  /// An instant long after any check will run (year 4001).
  public static let distantFuture = Instant(timeIntervalSince1970: 64_092_211_200)

  /// Seconds from `other` to this instant (negative when `other` is later).
  public func timeIntervalSince(_ other: Instant) -> Double {
    timeIntervalSince1970 - other.timeIntervalSince1970
  }

  /// Seconds from now to this instant (negative when it is past).
  public var timeIntervalSinceNow: Double { timeIntervalSince(Instant()) }

  /// This instant moved by `seconds`.
  public func addingTimeInterval(_ seconds: Double) -> Instant {
    Instant(timeIntervalSince1970: timeIntervalSince1970 + seconds)
  }

  /// The instant `seconds` later.
  public static func + (instant: Instant, seconds: Double) -> Instant { instant.addingTimeInterval(seconds) }
  /// The instant `seconds` earlier.
  public static func - (instant: Instant, seconds: Double) -> Instant { instant.addingTimeInterval(-seconds) }
  /// Moves `instant` later by `seconds`.
  public static func += (instant: inout Instant, seconds: Double) { instant = instant + seconds }
  /// Moves `instant` earlier by `seconds`.
  public static func -= (instant: inout Instant, seconds: Double) { instant = instant - seconds }

  /// Whether `lhs` comes before `rhs`.
  public static func < (lhs: Instant, rhs: Instant) -> Bool {
    lhs.timeIntervalSince1970 < rhs.timeIntervalSince1970
  }

  /// ISO 8601 in UTC, with milliseconds when there is a fraction: `2026-12-04T03:51:15Z`.
  public var description: String { ISO8601.utcText(self) }
}

extension Instant: Codable {
  /// Reads an ISO 8601 text with an offset: `…Z`, `…+08:00`, with or without a fraction.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let parsed = ISO8601.parse(text), let offset = parsed.offset else {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "expected an ISO 8601 time with an offset, found \"\(text)\"")
    }
    self = Instant(timeIntervalSince1970: Double(parsed.local.wallSeconds - Int64(offset)) + parsed.fraction)
  }

  /// Writes the ISO 8601 text in UTC.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(ISO8601.utcText(self))
  }
}
