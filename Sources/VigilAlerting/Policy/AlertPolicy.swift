import VigilCore
import VigilCron

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// When an alert fires, repeats, escalates and resolves. Pure settings; `PolicyEngine` applies them.
public struct AlertPolicy: Sendable, Hashable {
  /// What makes a key failing (consecutive, N of M, moving average).
  public typealias Trigger = AlertTrigger

  /// One step of an escalation: notify again this long after the outage began, optionally to other channels.
  public struct EscalationStep: Sendable, Hashable {
    public var offset: Double
    public var channels: [String]?

    public init(offset: Double, channels: [String]? = nil) {
      self.offset = offset
      self.channels = channels
    }
  }

  public var trigger: Trigger = .consecutive(1)
  /// Consecutive healthy samples that close an incident.
  public var recoverAfter: Int = 1
  /// Offsets since the outage began at which to notify (the articles' `[1m, 10m, 60m, 240m, 1440m]`). Empty:
  /// notify once when the trigger is met.
  public var escalation: [EscalationStep] = []
  /// While firing, remind at most this often after the escalation is done (nil: never). This is the throttle:
  /// nothing repeats within it.
  public var repeatEvery: Double?
  public var sendResolved: Bool = true
  /// Where notifications go unless a step names others.
  public var channels: [String] = ["console"]
  /// A fallback chain (`[wecom, dingtalk, sms, mail]`): notifications go to the first channel only, and move
  /// on to the next when one refuses or keeps failing. Empty: every channel gets each notification.
  public var fallback: [String] = []
  /// The zone `ignoreHours`, `quietHours` and maintenance windows are read in.
  public var zone: Zone = .utc
  /// Local hours (0-23) in which samples are not even evaluated (the ISP resets the line at 3 am).
  public var ignoreHours: Set<Int> = []
  /// Local hours in which notifications are held, then delivered as one digest when they end.
  public var quietHours: QuietHours?
  /// Windows in which firing notifications are suppressed (resolves still go out).
  public var maintenance: [MaintenanceWindow] = []
  /// Flap detection: `changes` or more health changes in the last `window` samples pause the key's
  /// notifications behind one "flapping" notice, until the changes fall to half that ("stable" notice).
  public var flap: FlapDetection?

  public struct FlapDetection: Sendable, Hashable {
    public var window: Int
    public var changes: Int
    public init(window: Int = 10, changes: Int = 4) {
      self.window = window
      self.changes = changes
    }
  }

  /// `from` to `to` local hours (wrapping midnight when `from > to`): 23 to 7 is quiet at night.
  public struct QuietHours: Sendable, Hashable {
    public var from: Int
    public var to: Int
    public init(from: Int, to: Int) {
      self.from = from
      self.to = to
    }

    func contains(hour: Int) -> Bool {
      from <= to ? (hour >= from && hour < to) : (hour >= from || hour < to)
    }
  }

  /// A maintenance window: it opens at every fire time of `cron` and lasts `duration` seconds.
  public struct MaintenanceWindow: Sendable, Hashable {
    public var cron: CronExpression
    public var duration: Double
    public init(cron: CronExpression, duration: Double) {
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

  func localHour(_ date: Date) -> Int {
    zone.localTime(at: Int64(date.timeIntervalSince1970.rounded(.down))).hour
  }

  /// Whether `date` falls in an ignored hour.
  public func ignores(_ date: Date) -> Bool { !ignoreHours.isEmpty && ignoreHours.contains(localHour(date)) }

  /// Whether `date` is inside quiet hours.
  public func isQuiet(_ date: Date) -> Bool { quietHours?.contains(hour: localHour(date)) ?? false }

  /// Whether a maintenance window is open at `date`.
  public func inMaintenance(_ date: Date) -> Bool {
    let instant = Int64(date.timeIntervalSince1970.rounded(.down))
    return maintenance.contains { $0.isOpen(at: instant, zone: zone) }
  }

  public init() {}

  /// This policy with a check's hints for `candidate` laid over it (its own trigger, its own escalation).
  public func applying(_ hints: PolicyHints?) -> AlertPolicy {
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
