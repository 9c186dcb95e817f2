#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

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
  public var function: String
  public var check: String
  public var target: String
  public var healthy: Bool
  public var severity: Severity
  /// One line for a message title: `api.example.com down: status 500 (expected == 200)`.
  public var summary: String
  /// The facts, in display order (status, timings, region…).
  public var facts: [Fact]
  public var observedAt: Date
  /// The measured figure a policy can average (CPU %, lag, latency ms), when the check has one.
  public var value: Double?

  public init(
    function: String, check: String, target: String, healthy: Bool, severity: Severity = .critical,
    summary: String, facts: [Fact], observedAt: Date, value: Double? = nil
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
  }

  /// A named value.
  public struct Fact: Sendable, Codable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
      self.name = name
      self.value = value
    }
  }
}
