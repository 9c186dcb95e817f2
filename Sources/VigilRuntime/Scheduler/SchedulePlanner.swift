import VigilCore
import VigilCron

/// Decides which timer triggers are due at a given instant: pure logic, driven by the scheduler's clock and by
/// tests with made-up instants.
///
/// A firing more than `lateTolerance` seconds overdue (the machine slept, or the clock jumped forward) runs
/// once, not once per missed tick, and reports how many it stands for. A clock that moves backwards makes every
/// trigger recompute its next fire time from the new time, so a `*/5` check never goes quiet for the hour the
/// clock was set back.
package struct SchedulePlanner: Sendable {
  /// One trigger with its parsed schedule.
  package struct Entry: Sendable {
    package var function: String
    package var trigger: TimerTrigger
    package var cron: CronExpression
    package var zone: Zone
    /// The next fire instant (seconds since the epoch), or nil when it never fires again.
    package var next: Int64?

    package init(function: String, trigger: TimerTrigger, cron: CronExpression, zone: Zone) {
      self.function = function
      self.trigger = trigger
      self.cron = cron
      self.zone = zone
    }
  }

  /// A due firing.
  package struct Firing: Sendable, Equatable {
    /// Index into `entries`.
    package var entry: Int
    /// The instant it was scheduled for (the latest one, when several were missed).
    package var scheduledAt: Int64
    /// How many scheduled instants were missed and are covered by this one run (0 normally).
    package var missed: Int
  }

  /// Something worth logging that happened to the clock.
  package enum ClockEvent: Sendable, Equatable {
    case jumpedBackward(seconds: Double)
  }

  package private(set) var entries: [Entry]
  /// How late a firing may be before it counts as missed.
  package let lateTolerance: Double
  private var lastNow: Double?

  package init(entries: [Entry], now: Double, lateTolerance: Double = 1) {
    self.entries = entries
    self.lateTolerance = lateTolerance
    for index in self.entries.indices {
      self.entries[index].next = self.entries[index].cron.next(
        after: Int64(now.rounded(.down)), in: self.entries[index].zone)
    }
    lastNow = now
  }

  /// The firings due at `now`, in entry order; advances each fired entry to its next instant.
  package mutating func due(now: Double) -> (firings: [Firing], clock: ClockEvent?) {
    var clockEvent: ClockEvent?
    let whole = Int64(now.rounded(.down))
    if let lastNow, now < lastNow - lateTolerance {
      clockEvent = .jumpedBackward(seconds: lastNow - now)
      for index in entries.indices {
        entries[index].next = entries[index].cron.next(after: whole, in: entries[index].zone)
      }
    }
    lastNow = now
    var firings: [Firing] = []
    for index in entries.indices {
      guard let scheduled = entries[index].next, Double(scheduled) <= now else { continue }
      var latest = scheduled
      var missed = 0
      if now - Double(scheduled) > lateTolerance {
        // Count what was skipped (bounded), and run once for the most recent instant.
        while missed < 100_000,
          let following = entries[index].cron.next(after: latest, in: entries[index].zone),
          following <= whole
        {
          latest = following
          missed += 1
        }
      }
      firings.append(Firing(entry: index, scheduledAt: latest, missed: missed))
      entries[index].next = entries[index].cron.next(after: max(latest, whole), in: entries[index].zone)
    }
    return (firings, clockEvent)
  }

  /// The earliest next fire instant of any entry, or nil when nothing will ever fire again.
  package var nextWake: Int64? { entries.compactMap(\.next).min() }
}
