import VigilCron

/// What a check observed about one target, handed to the alerting engine: failing or healthy, with the facts.
///
/// Checks report every target each run (healthy ones too), so the engine can count consecutive failures and
/// send resolved notices.
public struct AlertCandidate: Sendable, Codable, Hashable {
  /// Severity, as operators name it.
  public enum Severity: String, Sendable, Codable, Hashable, CaseIterable {
    case info, warning, critical
  }

  /// Stable identity: `function/check/target`. One outage of one target keeps one key.
  public var key: String
  /// The function that ran the check.
  public var function: String
  /// The check's name (`website-status`).
  public var check: String
  /// What was checked (a target's name, a host, a queue).
  public var target: String
  /// False when the target is failing.
  public var healthy: Bool
  /// How bad a failure is.
  public var severity: Severity
  /// One line for a message title: `api.example.com down: status 500 (expected == 200)`.
  public var summary: String
  /// The facts, in display order (status, timings, region…).
  public var facts: [Fact]
  /// When the check saw it.
  public var observedAt: Instant
  /// The measured figure a policy can average (CPU %, lag, latency ms), when the check has one.
  public var value: Double?
  /// When the failure began, when the check knows better than "the first failing sample" (a host's last
  /// heartbeat, a job's missed deadline): incidents and escalation offsets count from it.
  public var since: Instant?
  /// How the check asks the policy to judge this key (the check's own thresholds), over the project's policy.
  public var hints: PolicyHints?
  /// Named figures kept in the target's history and shown on the status page and in metrics (`status`,
  /// `dns`, `connect`, `tls`, `ttfb`, `transfer`, `total` in ms, `certExpiry` in Unix seconds, `lag`…).
  public var figures: [String: Double]?

  /// A candidate for one target; `key` is made from `function`, `check` and `target`.
  public init(
    function: String, check: String, target: String, healthy: Bool, severity: Severity = .critical,
    summary: String, facts: [Fact], observedAt: Instant, value: Double? = nil, since: Instant? = nil,
    hints: PolicyHints? = nil, figures: [String: Double]? = nil
  ) {
    self.key = "\(function)/\(check)/\(target)"
    self.function = function
    self.check = check
    self.target = target
    self.healthy = healthy
    self.severity = severity
    self.summary = summary
    self.facts = facts
    self.observedAt = observedAt
    self.value = value
    self.since = since
    self.hints = hints
    self.figures = figures
  }

  /// A named value.
  public struct Fact: Sendable, Codable, Hashable {
    /// The fact's label (`status`, `p95 ms`).
    public var name: String
    /// Its value, as shown.
    public var value: String
    /// A fact `name: value`.
    public init(_ name: String, _ value: String) {
      self.name = name
      self.value = value
    }
  }
}

/// What makes a key failing, judged over its recent samples.
public enum AlertTrigger: Sendable, Codable, Hashable {
  /// The last N samples all failed.
  case consecutive(Int)
  /// At least N of the last M samples failed.
  case nOfM(n: Int, m: Int)
  /// The average `value` of the last k samples is above the threshold (the articles' "average of the last
  /// three CPU readings > 85%"); samples without a value count as failed checks instead.
  case movingAverage(samples: Int, above: Double)
}

/// A check's own judgement settings for one key, applied over the project's alert policy.
public struct PolicyHints: Sendable, Codable, Hashable {
  /// Replaces the policy's trigger.
  public var trigger: AlertTrigger?
  /// Replaces the policy's escalation: notify at these offsets (seconds) since the failure began.
  public var escalation: [Double]?

  /// Hints that replace the policy's trigger and/or escalation offsets (seconds).
  public init(trigger: AlertTrigger? = nil, escalation: [Double]? = nil) {
    self.trigger = trigger
    self.escalation = escalation
  }
}
