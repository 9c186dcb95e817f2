import Dispatch
import Testing

@testable import VigilCron

/// `next` agrees with a brute-force scan for random expressions. The scan walks instants minute by minute,
/// reads the wall clock there, and applies the DST policy, all independently of VigilCron (`ReferenceCron`,
/// `ReferenceZone`).
@Suite struct CronPropertyTests {
  struct Generator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return state
    }
    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
  }

  static let seconds = ["0", "0", "0", "30", "0,15,45", "10-20/5"]
  /// Every second any generated seconds field can match: scanning just these is exact and 10x cheaper.
  static let candidateSeconds: [Int64] = [0, 10, 15, 20, 30, 45]
  static let minutes = ["*", "0", "*/7", "5,35", "10-50/20", "58-3", "15"]
  static let hours = ["*", "*", "0", "2", "1-3", "*/5", "22-2", "9-17/4", "1"]
  static let daysOfMonth = ["*", "*", "?", "1", "15", "L", "LW", "*/10", "1-7", "10W", "31", "29"]
  static let months = ["*", "*", "*", "2", "3,11", "JAN-MAR", "*/4", "OCT-FEB"]
  static let daysOfWeek = ["*", "*", "?", "1", "MON-FRI", "0,6", "5L", "2#2", "SAT-MON", "0#1"]

  /// The independent brute force: minute-stepped instants, each candidate second of a minute checked against
  /// `ReferenceCron` (its own parser and matcher) in wall time from Foundation's zone (`ReferenceZone`), with
  /// cron.md's DST policy applied here: a fixed-hour time in a spring-forward gap fires once at the first
  /// instant after the gap; a repeated hour fires at both occurrences.
  static func bruteForce(
    _ cron: ReferenceCron, after start: Int64, count: Int, limit: Int64, zone: ReferenceZone
  )
    -> [Int64]
  {
    var found: [Int64] = []
    var minute = (start / 60) * 60
    var offset = zone.offset(at: minute)
    while found.count < count && minute < start + limit {
      let nextOffset = zone.offset(at: minute + 60)
      // A transition inside (minute, minute + 60]: the gap rule at the transition instant.
      if nextOffset != offset, let transition = zone.nextTransition(after: minute), transition <= minute + 60
      {
        let before = zone.offset(at: transition - 1)
        let after = zone.offset(at: transition)
        if after > before && !cron.runsEveryHour && transition > start {
          var wall = transition + before
          while wall < transition + after {
            if cron.matches(wallSeconds: wall) {
              if found.last != transition { found.append(transition) }
              break
            }
            wall += 1
          }
        }
      }
      for second in Self.candidateSeconds {
        let instant = minute + second
        guard instant > start, found.count < count else { continue }
        let here = second == 0 ? offset : zone.offset(at: instant)
        if cron.matches(wallSeconds: instant + here), found.last != instant {
          found.append(instant)
        }
      }
      minute += 60
      offset = nextOffset
    }
    return found.sorted()
  }

  /// One random expression checked: what `next` gave and what the brute force found.
  struct Comparison: Sendable {
    var text: String
    var start: Int64
    var expected: [Int64]
    var actual: [Int64]
  }

  /// 40 random expressions in `zoneName`, each compared with the brute force (CPU-heavy: run off the pool).
  static func comparisons(zoneName: String) throws -> [Comparison] {
    let zone = try Zone.named(zoneName)
    guard let reference = ReferenceZone(zoneName) else {
      throw CronError(
        expression: zoneName, field: nil, token: nil, reason: "Foundation does not know this zone")
    }
    var random = Generator(state: 0x9E37_79B9_7F4A_7C15 ^ UInt64(zoneName.utf8.count))
    // Windows that straddle DST changes in 2024 for both hemispheres, and ordinary ones.
    let starts: [Int64] = [
      1_710_028_800, 1_730_592_000, 1_711_843_200, 1_729_987_200, 1_712_412_000, 1_728_136_800, 1_704_067_200,
    ]
    var results: [Comparison] = []
    for _ in 0..<40 {
      let fields = [
        random.pick(seconds), random.pick(minutes), random.pick(hours),
        random.pick(daysOfMonth), random.pick(months), random.pick(daysOfWeek), "*",
      ]
      let text = fields.joined(separator: " ")
      let cron = try CronExpression(text)
      let start = random.pick(starts) + Int64(random.next() % 86_400)
      let limit: Int64 = 6 * 86_400
      let expected = bruteForce(ReferenceCron(text), after: start, count: 4, limit: limit, zone: reference)
      var actual: [Int64] = []
      var cursor = start
      while actual.count < 4, let next = cron.next(after: cursor, in: zone), next < start + limit {
        actual.append(next)
        cursor = next
      }
      results.append(Comparison(text: text, start: start, expected: expected, actual: actual))
    }
    return results
  }

  @Test(arguments: ["UTC", "Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe"])
  func nextAgreesWithBruteForce(zoneName: String) async throws {
    // Seconds of CPU work run on a Dispatch thread, not Swift's cooperative pool (other tests need it).
    let results = try await withCheckedThrowingContinuation { continuation in
      DispatchQueue(label: "vigil.tests.blocking").async {
        continuation.resume(with: Result { try Self.comparisons(zoneName: zoneName) })
      }
    }
    for result in results {
      #expect(result.actual == result.expected, "\(result.text) in \(zoneName) from \(result.start)")
    }
    #expect(results.count == 40)
  }
}
