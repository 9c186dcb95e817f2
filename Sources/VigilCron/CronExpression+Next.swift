extension CronExpression {
  /// The first fire time strictly after `instant` (seconds since the epoch), evaluated in `zone`; nil when
  /// it never fires again before the end of 2099.
  ///
  /// Daylight saving: a matching wall time that falls in a spring-forward gap fires once at the first instant
  /// after the gap, unless the hour field covers every hour (then it is skipped); a wall time that occurs
  /// twice in a fall-back overlap fires at both instants.
  package func next(after instant: Int64, in zone: Zone) -> Int64? {
    var offset = Int64(zone.offset(at: instant))
    var segmentEnd = zone.nextTransition(after: instant)
    var wallFrom = instant + offset
    while true {
      guard let match = nextLocal(after: wallFrom) else { return nil }
      guard let end = segmentEnd, match >= end + offset else { return match - offset }
      // The match lies beyond this offset's segment: move to the next one.
      let nextOffset = Int64(zone.offset(at: end))
      let newStartWall = end + nextOffset
      if nextOffset > offset && match < newStartWall && !runsEveryHour {
        return end  // the wall time does not exist: fire at the first instant after the gap
      }
      offset = nextOffset
      segmentEnd = zone.nextTransition(after: end)
      wallFrom = newStartWall - 1
    }
  }

  /// The first fire time strictly after `date`.
  package func next(after date: Instant, in zone: Zone) -> Instant? {
    next(after: Int64(date.timeIntervalSince1970.rounded(.down)), in: zone).map {
      Instant(timeIntervalSince1970: Double($0))
    }
  }

  /// Up to `count` fire times after `date`, ascending.
  package func nextDates(after date: Instant, count: Int, in zone: Zone) -> [Instant] {
    var result: [Instant] = []
    var cursor = Int64(date.timeIntervalSince1970.rounded(.down))
    while result.count < count, let next = next(after: cursor, in: zone) {
      result.append(Instant(timeIntervalSince1970: Double(next)))
      cursor = next
    }
    return result
  }
}
