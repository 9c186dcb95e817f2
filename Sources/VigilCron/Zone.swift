import Synchronization

/// A time zone read straight from the system's TZif files (`/usr/share/zoneinfo`, or `$TZDIR`).
///
/// Foundation's `TimeZone(identifier:)` can return nil in a `--static-swift-stdlib` build, so Vigil reads
/// the zone database itself: transitions from the file, then the file's POSIX rule for later instants.
package struct Zone: Sendable, Hashable, CustomStringConvertible {
  /// The IANA name (`Asia/Shanghai`), `UTC`, or a fixed offset (`+05:30`).
  package let identifier: String
  /// Transition instants (seconds since the epoch, ascending) and the offset in force from each.
  let transitions: [Int64]
  let offsetsAfter: [Int]
  /// The offset before the first transition.
  let initialOffset: Int
  /// The rule after the last transition.
  let rule: PosixTimeZoneRule?

  package var description: String { identifier }

  /// UTC.
  package static let utc = Zone(
    identifier: "UTC", transitions: [], offsetsAfter: [], initialOffset: 0, rule: nil)

  /// A zone with one fixed offset (seconds east of UTC).
  package static func fixed(offset: Int) -> Zone {
    let sign = offset < 0 ? "-" : "+"
    let magnitude = abs(offset)
    let name = "\(sign)\(pad2(magnitude / 3600)):\(pad2(magnitude % 3600 / 60))"
    return Zone(identifier: name, transitions: [], offsetsAfter: [], initialOffset: offset, rule: nil)
  }

  /// The UTC offset in force at `instant` (seconds since the epoch).
  package func offset(at instant: Int64) -> Int {
    if let last = transitions.last, instant >= last, let rule {
      return rule.offset(at: instant)
    }
    guard let first = transitions.first, instant >= first else { return initialOffset }
    var low = 0
    var high = transitions.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if transitions[middle] <= instant { low = middle } else { high = middle - 1 }
    }
    return offsetsAfter[low]
  }

  /// The first instant after `instant` at which the offset may change, or nil if it never does again.
  package func nextTransition(after instant: Int64) -> Int64? {
    if let last = transitions.last, instant < last {
      var low = 0
      var high = transitions.count - 1
      while low < high {
        let middle = (low + high) / 2
        if transitions[middle] > instant { high = middle } else { low = middle + 1 }
      }
      return transitions[low]
    }
    return rule?.nextTransition(after: instant)
  }

  /// The wall-clock time at `instant`.
  package func localTime(at instant: Int64) -> LocalDateTime {
    LocalDateTime(wallSeconds: instant + Int64(offset(at: instant)))
  }

  /// The instant of a wall-clock time: the earlier one when it occurs twice, the first instant after the
  /// gap when it does not occur at all (spring forward).
  package func instant(of local: LocalDateTime) -> Int64 {
    let wall = local.wallSeconds
    // Try the offsets in force around that wall time.
    let candidates = Set([offset(at: wall - 86_400), offset(at: wall), offset(at: wall + 86_400)]).sorted(
      by: >)
    var matches: [Int64] = []
    for candidate in candidates {
      let instant = wall - Int64(candidate)
      if offset(at: instant) == candidate { matches.append(instant) }
    }
    if let earliest = matches.min() { return earliest }
    // In a spring-forward gap: the transition that skipped this wall time is the first instant after it.
    let largest = Int64(candidates.first ?? 0)
    return nextTransition(after: wall - largest) ?? wall - largest
  }
}

/// A zone that could not be found or read.
package struct ZoneError: Error, Sendable, CustomStringConvertible {
  package var identifier: String
  package var reason: String
  package var description: String { "unknown time zone '\(identifier)': \(reason)" }
}

extension Zone {
  private static let cache = Mutex<[String: Zone]>([:])

  /// Looks a zone up by IANA name, `UTC`/`Z`, or a fixed offset like `+08:00`; cached.
  package static func named(_ identifier: String, environment: [String: String] = [:]) throws(ZoneError)
    -> Zone
  {
    if let cached = cache.withLock({ $0[identifier] }) { return cached }
    let zone = try load(identifier, directory: environment["TZDIR"] ?? "/usr/share/zoneinfo")
    cache.withLock { $0[identifier] = zone }
    return zone
  }

  static func load(_ identifier: String, directory: String) throws(ZoneError) -> Zone {
    switch identifier {
    case "UTC", "Z", "Etc/UTC", "GMT", "Etc/GMT": return .utc
    default: break
    }
    if let first = identifier.first, first == "+" || first == "-" {
      guard let offset = parseFixedOffset(identifier) else {
        throw ZoneError(identifier: identifier, reason: "a fixed offset must look like +08:00 or -05:30")
      }
      return .fixed(offset: offset)
    }
    let allowed = identifier.allSatisfy { $0.isLetter || $0.isNumber || "/_+-".contains($0) }
    guard allowed, !identifier.includes(".."), !identifier.hasPrefix("/") else {
      throw ZoneError(
        identifier: identifier, reason: "expected an IANA name like Asia/Shanghai or America/New_York")
    }
    let path = "\(directory)/\(identifier)"
    let data: [UInt8]
    do {
      data = try BoundedRead.file(path, limit: 1 << 20)  // the largest zone file in tzdata is under 4 KB
    } catch .missing {
      throw ZoneError(
        identifier: identifier,
        reason: "no zone file \(path) (is tzdata installed? names are case-sensitive, e.g. Asia/Shanghai)")
    } catch {
      throw ZoneError(identifier: identifier, reason: "cannot read \(path): \(error)")
    }
    guard let zone = TZifReader.read(data, identifier: identifier) else {
      throw ZoneError(identifier: identifier, reason: "\(path) is not a valid TZif file")
    }
    return zone
  }

  /// `+08:00`, `-0530`, `+8` → seconds east of UTC.
  static func parseFixedOffset(_ text: String) -> Int? {
    guard let sign = text.first, sign == "+" || sign == "-" else { return nil }
    let digits = text.dropFirst().filter { $0 != ":" }
    guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy(\.isNumber) else { return nil }
    let hours: Int
    let minutes: Int
    if digits.count <= 2 {
      hours = Int(digits) ?? 0
      minutes = 0
    } else {
      hours = Int(digits.prefix(digits.count - 2)) ?? 0
      minutes = Int(digits.suffix(2)) ?? 0
    }
    guard hours <= 14, minutes < 60 else { return nil }
    return (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
  }
}

/// Parses TZif (RFC 8536) version 1-4 files.
enum TZifReader {
  static func read(_ bytes: [UInt8], identifier: String) -> Zone? {
    guard bytes.count >= 44, bytes[0] == 0x54, bytes[1] == 0x5A, bytes[2] == 0x69, bytes[3] == 0x66 else {
      return nil
    }
    let version = bytes[4]
    guard var block = Block(bytes, at: 0, timeSize: 4) else { return nil }
    var footer: PosixTimeZoneRule?
    if version >= 0x32 {  // '2' or later: skip the v1 block, read the 64-bit one
      guard let second = Block(bytes, at: block.end, timeSize: 8) else { return nil }
      block = second
      var position = block.end
      if position < bytes.count, bytes[position] == 0x0A {
        position += 1
        var text: [UInt8] = []
        while position < bytes.count, bytes[position] != 0x0A {
          text.append(bytes[position])
          position += 1
        }
        footer = PosixTimeZoneRule(String(decoding: text, as: UTF8.self))
      }
    }
    guard !block.offsets.isEmpty else { return nil }
    let offsetsAfter = block.transitionTypes.map {
      block.offsets[Int($0) < block.offsets.count ? Int($0) : 0]
    }
    return Zone(
      identifier: identifier, transitions: block.transitions, offsetsAfter: offsetsAfter,
      initialOffset: block.offsets[0], rule: footer)
  }

  struct Block {
    var transitions: [Int64] = []
    var transitionTypes: [UInt8] = []
    var offsets: [Int] = []
    var end = 0

    init?(_ bytes: [UInt8], at start: Int, timeSize: Int) {
      guard start + 44 <= bytes.count else { return nil }
      func count(_ index: Int) -> Int { Int(readInteger(bytes, start + 20 + index * 4, size: 4)) }
      let (utcCount, standardCount, leapCount, timeCount, typeCount, charCount) =
        (count(0), count(1), count(2), count(3), count(4), count(5))
      var position = start + 44
      let length =
        timeCount * timeSize + timeCount + typeCount * 6 + charCount + leapCount * (timeSize + 4)
        + standardCount + utcCount
      guard typeCount > 0, position + length <= bytes.count else { return nil }
      for index in 0..<timeCount {
        transitions.append(readInteger(bytes, position + index * timeSize, size: timeSize))
      }
      position += timeCount * timeSize
      transitionTypes = Array(bytes[position..<position + timeCount])
      position += timeCount
      for index in 0..<typeCount { offsets.append(Int(readInteger(bytes, position + index * 6, size: 4))) }
      end = start + 44 + length
    }
  }

  /// A big-endian signed integer.
  static func readInteger(_ bytes: [UInt8], _ offset: Int, size: Int) -> Int64 {
    var value: UInt64 = 0
    for index in 0..<size { value = value << 8 | UInt64(bytes[offset + index]) }
    if size == 4 { return Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: value))) }
    return Int64(bitPattern: value)
  }
}

func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
