import VigilCore
import VigilCron

/// When an alert fires, repeats, escalates and resolves. Pure settings; `PolicyEngine` applies them.
package struct AlertPolicy: Sendable, Hashable {
  /// What makes a key failing (consecutive, N of M, moving average).
  package typealias Trigger = AlertTrigger

  /// One step of an escalation: notify again this long after the outage began, optionally to other channels.
  package struct EscalationStep: Sendable, Hashable {
    package var offset: Double
    package var channels: [String]?

    package init(offset: Double, channels: [String]? = nil) {
      self.offset = offset
      self.channels = channels
    }
  }

  package var trigger: Trigger = .consecutive(1)
  /// Consecutive healthy samples that close an incident.
  package var recoverAfter: Int = 1
  /// Offsets since the outage began at which to notify (the articles' `[1m, 10m, 60m, 240m, 1440m]`). Empty:
  /// notify once when the trigger is met.
  package var escalation: [EscalationStep] = []
  /// While firing, remind at most this often after the escalation is done (nil: never). This is the throttle:
  /// nothing repeats within it.
  package var repeatEvery: Double?
  package var sendResolved: Bool = true
  /// Where notifications go unless a step names others.
  package var channels: [String] = ["console"]
  /// A fallback chain (`[wecom, dingtalk, sms, mail]`): notifications go to the first channel only, and move
  /// on to the next when one refuses or keeps failing. Empty: every channel gets each notification.
  package var fallback: [String] = []
  /// The zone `ignoreHours`, `quietHours` and maintenance windows are read in.
  package var zone: Zone = .utc
  /// Local hours (0-23) in which samples are not even evaluated (the ISP resets the line at 3 am).
  package var ignoreHours: Set<Int> = []
  /// Local hours in which notifications are held, then delivered as one digest when they end.
  package var quietHours: QuietHours?
  /// Windows in which firing notifications are suppressed (resolves still go out).
  package var maintenance: [MaintenanceWindow] = []
  /// Flap detection: `changes` or more health changes in the last `window` samples pause the key's
  /// notifications behind one "flapping" notice, until the changes fall to half that ("stable" notice).
  package var flap: FlapDetection?

  package struct FlapDetection: Sendable, Hashable {
    package var window: Int
    package var changes: Int
    package init(window: Int = 10, changes: Int = 4) {
      self.window = window
      self.changes = changes
    }
  }

  /// `from` to `to` local hours (wrapping midnight when `from > to`): 23 to 7 is quiet at night.
  package struct QuietHours: Sendable, Hashable {
    package var from: Int
    package var to: Int
    package init(from: Int, to: Int) {
      self.from = from
      self.to = to
    }

    func contains(hour: Int) -> Bool {
      from <= to ? (hour >= from && hour < to) : (hour >= from || hour < to)
    }
  }

  /// A maintenance window: it opens at every fire time of `cron` and lasts `duration` seconds.
  package struct MaintenanceWindow: Sendable, Hashable {
    package var cron: CronExpression
    package var duration: Double
    package init(cron: CronExpression, duration: Double) {
      self.cron = cron
      self.duration = duration
    }

    /// Whether a window is open at `instant` in `zone`.
    func isOpen(at instant: Int64, zone: Zone) -> Bool {
      guard let opened = cron.next(after: instant - Int64(duration.rounded(.up)), in: zone) else {
        return false
      }
      return opened <= instant
    }
  }

  func localHour(_ date: Instant) -> Int {
    zone.localTime(at: Int64(date.timeIntervalSince1970.rounded(.down))).hour
  }

  /// Whether `date` falls in an ignored hour.
  package func ignores(_ date: Instant) -> Bool {
    !ignoreHours.isEmpty && ignoreHours.contains(localHour(date))
  }

  /// Whether `date` is inside quiet hours.
  package func isQuiet(_ date: Instant) -> Bool { quietHours?.contains(hour: localHour(date)) ?? false }

  /// When the maintenance window open at `date` closes (the latest, when several overlap), or nil outside them.
  package func maintenanceEnd(at date: Instant) -> Instant? {
    let instant = Int64(date.timeIntervalSince1970.rounded(.down))
    let ends = maintenance.compactMap { window -> Int64? in
      let length = Int64(window.duration.rounded(.up))
      guard let opened = window.cron.next(after: instant - length, in: zone), opened <= instant else {
        return nil
      }
      return opened + length
    }
    return ends.max().map { Instant(timeIntervalSince1970: Double($0)) }
  }

  /// Whether a maintenance window is open at `date`.
  package func inMaintenance(_ date: Instant) -> Bool {
    let instant = Int64(date.timeIntervalSince1970.rounded(.down))
    return maintenance.contains { $0.isOpen(at: instant, zone: zone) }
  }

  package init() {}

  /// This policy with a check's hints for `candidate` laid over it (its own trigger, its own escalation).
  package func applying(_ hints: PolicyHints?) -> AlertPolicy {
    guard let hints else { return self }
    var policy = self
    if let trigger = hints.trigger { policy.trigger = trigger }
    if let offsets = hints.escalation { policy.escalation = offsets.map { EscalationStep(offset: $0) } }
    return policy
  }

  /// How many past samples the policy needs.
  var window: Int {
    let flapWindow = flap?.window ?? 0
    switch trigger {
    case .consecutive(let n): return max(n, recoverAfter, flapWindow)
    case .nOfM(_, let m): return max(m, recoverAfter, flapWindow)
    case .movingAverage(let samples, _): return max(samples, recoverAfter, flapWindow)
    }
  }
}
