import Testing
import VigilCore
import VigilCron

@testable import VigilRuntime

/// The quorum's rules on made-up reports and times: which verdict each mix of regions gives.
@Suite struct QuorumJudgeTests {
  static let regions = ["a", "b", "c"]
  static let rule = QuorumRule(regions: regions, down: 2, window: 60)
  static let now = Instant(timeIntervalSince1970: 1_000_000)

  static func report(_ region: String, age: Double, down: Bool, since: Double? = nil) -> RegionReport {
    let at = now - age
    return RegionReport(
      region: region, requestID: "r-\(region)", observedAt: at, reportingSince: since.map { now - $0 },
      candidates: [
        AlertCandidate(
          function: "web", check: "website-status", target: "api", healthy: !down,
          severity: down ? .critical : .info, summary: down ? "status 503" : "status 200", facts: [],
          observedAt: at, value: down ? 900 : 100)
      ])
  }

  static func judge(_ reports: [RegionReport], in region: String = "a") -> (
    api: AlertCandidate?, silence: AlertCandidate?, view: QuorumView
  ) {
    let (candidates, view) = QuorumJudge.judge(
      rule: rule, function: "web", region: region,
      reports: Dictionary(uniqueKeysWithValues: reports.map { ($0.region, $0) }), now: now)
    return (
      candidates.first { $0.target == "api" }, candidates.first { $0.key == "web/quorum/regions" }, view
    )
  }

  @Test(arguments: [
    // (a down, b down, c down; nil = no fresh report) → verdict
    ([true, false, false] as [Bool?], "degraded"), ([true, true, false], "down"),
    ([false, false, false], "up"),
    ([true, true, true], "down"), ([true, false, nil], "unknown"), ([false, false, nil], "up"),
    ([true, true, nil], "down"), ([true, nil, nil], "unknown"), ([false, nil, nil], "unknown"),
  ])
  func verdicts(seen: [Bool?], verdict: String) {
    let reports = zip(Self.regions, seen).map { region, down in
      // A region with nothing fresh reported 5 minutes ago (past the window), seeing the opposite.
      down.map { Self.report(region, age: 5, down: $0) } ?? Self.report(region, age: 300, down: false)
    }
    let (api, _, view) = Self.judge(reports)
    #expect(view.targets.first?.verdict == verdict)
    switch verdict {
    case "unknown": #expect(api == nil, "no candidate: the policy keeps its state")
    case "down": #expect(api?.healthy == false)
    default: #expect(api?.healthy == true)
    }
  }

  @Test func aDownVerdictNamesTheRegionsAndEachRegionsView() throws {
    let (api, _, _) = Self.judge([
      Self.report("a", age: 1, down: true), Self.report("b", age: 2, down: true),
      Self.report("c", age: 300, down: false),
    ])
    let candidate = try #require(api)
    #expect(candidate.summary == "api down from 2 of 3 regions (a, b): status 503")
    #expect(candidate.severity == .critical)
    #expect(
      candidate.facts.map { "\($0.name)=\($0.value)" } == [
        "region a=down: status 503", "region b=down: status 503", "region c=unknown: last report 300 s ago",
        "quorum=2 of 3 regions within 1m",
      ])
    #expect(candidate.value == 900, "the median of the fresh regions' figures")
    #expect(candidate.key == "web/website-status/api", "the same key whichever region judges")
  }

  @Test func silenceNeedsTooFewReportingRegionsAndAnEstablishedDeployment() {
    // A new deployment: b and c have never reported, a started 10 s ago: not silent yet.
    let fresh = Self.judge([Self.report("a", age: 1, down: false, since: 10)])
    #expect(fresh.silence?.healthy == true)
    // a has reported for longer than the window: the two that never did are silent.
    let established = Self.judge([Self.report("a", age: 1, down: false, since: 600)])
    #expect(established.silence?.healthy == false)
    #expect(established.silence?.summary.hasPrefix("2 of 3 regions silent for over 1m (b, c)") == true)
    // Two of three report: the quorum of 2 can be reached, whatever the third does.
    let two = Self.judge([
      Self.report("a", age: 1, down: false, since: 600), Self.report("b", age: 1, down: false),
      Self.report("c", age: 900, down: false),
    ])
    #expect(two.silence?.healthy == true)
    #expect(two.view.regions.map(\.status) == ["reporting", "reporting", "unknown"])
  }

  @Test func theLatencyRuleJudgesTheRegionsFiguresTogether() throws {
    var rule = Self.rule
    rule.latency = (percentile: 90, overMs: 500)
    func judge(_ totals: [Double]) -> (candidates: [AlertCandidate], view: QuorumView) {
      var reports: [String: RegionReport] = [:]
      for (region, total) in zip(Self.regions, totals) {
        var report = Self.report(region, age: 1, down: false)
        report.candidates[0].value = total
        reports[region] = report
      }
      return QuorumJudge.judge(rule: rule, function: "web", region: "a", reports: reports, now: Self.now)
    }
    // Nearest-rank p90 of three values is the largest: 900 ms is over 500 ms, though every region is up.
    let slow = judge([120, 300, 900])
    #expect(slow.view.targets.first?.verdict == "slow")
    let candidate = try #require(slow.candidates.first { $0.target == "api" })
    #expect(!candidate.healthy)
    #expect(candidate.summary == "api slow: p90 across 3 regions is 900ms, over 500ms")
    #expect(judge([120, 300, 450]).view.targets.first?.verdict == "up")
  }

  @Test func rulesAreReadWithTheirPlace() throws {
    let rule = try QuorumRule.read(
      ConfigValue.parse("regions: [ap-guangzhou, ap-shanghai, ap-beijing, us-east-1]\ndown: majority\n"))
    #expect(rule.down == 3 && rule.window == 300 && rule.latency == nil)
    let timed = try QuorumRule.read(
      ConfigValue.parse("regions: [a, b, c]\nlatency: {percentile: 90, over: 1s}\n"))
    #expect(timed.latency?.percentile == 90 && timed.latency?.overMs == 1000)
    #expect(throws: ConfigError.self) {
      try QuorumRule.read(ConfigValue.parse("regions: [a, b]\nlatency: {percentile: 0, over: 1s}\n"))
    }
    #expect(throws: ConfigError.self) { try QuorumRule.read(ConfigValue.parse("regions: [a, B]\n")) }
    #expect(throws: ConfigError.self) {
      try QuorumRule.read(ConfigValue.parse("regions: [a, b]\nwindow: 0s\n"))
    }
    let (check, quorum) = try QuorumRule.split(
      ConfigValue.parse("quorum: {regions: [a, b]}\ntargets: []\n"))
    #expect(quorum?.regions == ["a", "b"])
    #expect(try check?.entries().map(\.key) == ["targets"], "the check never sees quorum:")
  }
}
