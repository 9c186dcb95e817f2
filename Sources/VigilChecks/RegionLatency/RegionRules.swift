/// When a multi-region measurement is a problem: any region over a latency threshold, at least k regions
/// failing, or a percentile across regions over a threshold. With no rule set, one failing region alerts.
package struct RegionRules: Sendable {
  /// Milliseconds: any region whose total exceeds this.
  package var anyRegionOverMs: Double?
  /// This many failing regions (error or HTTP ≥ 400) or more.
  package var failingRegions: Int = 1
  /// The `percentile` (e.g. 90) of totals across the regions that answered…
  package var percentile: Double?
  /// …over this many milliseconds.
  package var percentileOverMs: Double?

  package init() {}

  /// What is wrong, one line per rule that fired; empty when all is well.
  package func violations(_ probes: [RegionProbe]) -> [String] {
    var reasons: [String] = []
    if let limit = anyRegionOverMs {
      let slow = probes.filter { !$0.failed && ($0.totalMs ?? 0) > limit }
      if !slow.isEmpty {
        reasons.append(
          "\(slow.count) of \(probes.count) regions over \(WebsiteCondition.format(milliseconds: limit)): "
            + slow.map { "\($0.region) \(WebsiteCondition.format(milliseconds: $0.totalMs ?? 0))" }.joined(
              separator: ", "))
      }
    }
    let failed = probes.filter(\.failed)
    if failed.count >= failingRegions {
      reasons.append(
        "\(failed.count) of \(probes.count) regions failing: "
          + failed.map { "\($0.region) (\($0.error ?? "HTTP \($0.status ?? 0)"))" }.joined(separator: ", "))
    }
    if let percentile, let limit = percentileOverMs {
      let totals = probes.filter { !$0.failed }.compactMap(\.totalMs).sorted()
      if let value = Self.percentile(percentile, of: totals), value > limit {
        reasons.append(
          "p\(Int(percentile)) across \(totals.count) regions is \(WebsiteCondition.format(milliseconds: value)), over \(WebsiteCondition.format(milliseconds: limit))"
        )
      }
    }
    return reasons
  }

  /// Nearest-rank percentile of sorted values.
  static func percentile(_ p: Double, of sorted: [Double]) -> Double? {
    guard !sorted.isEmpty else { return nil }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    return sorted[min(sorted.count - 1, max(0, rank - 1))]
  }
}
