/// When an alert fires, repeats, escalates and resolves. Pure settings; `PolicyEngine` applies them.
public struct AlertPolicy: Sendable, Hashable {
  /// What makes a key failing.
  public enum Trigger: Sendable, Hashable {
    /// The last N samples all failed.
    case consecutive(Int)
    /// At least N of the last M samples failed.
    case nOfM(n: Int, m: Int)
    /// The average `value` of the last k samples is above the threshold (the articles' "average of the last
    /// three CPU readings > 85%"); samples without a value count as failed checks instead.
    case movingAverage(samples: Int, above: Double)
  }

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

  public init() {}

  /// How many past samples the policy needs.
  var window: Int {
    switch trigger {
    case .consecutive(let n): return max(n, recoverAfter)
    case .nOfM(_, let m): return max(m, recoverAfter)
    case .movingAverage(let samples, _): return max(samples, recoverAfter)
    }
  }
}
