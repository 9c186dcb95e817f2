import VigilCore
import VigilCron

extension LocalInvoker {
  /// Records this region's candidates in the shared store, reads the other regions' latest reports and
  /// replaces the candidates with the combined ones (`QuorumJudge`); the result gains a `quorum` member showing
  /// each region's view. A report that cannot be written or read is an error (nothing can be judged without
  /// it); a corrupt one is moved aside and that region counts as unknown.
  static func judgeByQuorum(
    _ output: HandlerOutput, rule: QuorumRule, function: String, region: String, requestID: String,
    state: any StateStore, now: Instant, logger: Logger
  ) async throws -> HandlerOutput {
    var reports: [String: RegionReport] = [:]
    for name in rule.regions {
      let key = RegionReport.key(function: function, region: name)
      guard let data = try await state.read(key) else { continue }
      do {
        reports[name] = try state.decodeRecord(RegionReport.self, data, key: key)
      } catch {
        _ = try await state.setAside(key, data, now: now, reason: "\(error)", logger: logger)
      }
    }
    // This region's previous report is still counted as "since" only if it was fresh: a region back from
    // a long silence starts over.
    let since = reports[region].flatMap {
      now.timeIntervalSince($0.observedAt) <= rule.window ? $0.reportingSince : nil
    }
    let own = RegionReport(
      region: region, requestID: requestID, observedAt: now, reportingSince: since,
      candidates: output.alertCandidates)
    try await state.writeJSON(RegionReport.key(function: function, region: region), own)
    reports[region] = own
    let (candidates, view) = QuorumJudge.judge(
      rule: rule, function: function, region: region, reports: reports, now: now)
    var result = output.json
    if case .object(var members) = result {
      members["quorum"] = try JSONValue.from(view)
      result = .object(members)
    } else {
      result = .object(["result": result, "quorum": try JSONValue.from(view)])
    }
    return HandlerOutput(value: result, alertCandidates: candidates)
  }
}
