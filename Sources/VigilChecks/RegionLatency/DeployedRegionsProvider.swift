import VigilCore
import VigilCron
import VigilNet

/// `type: deployed`: the regions this function is deployed to, each probing from where it runs. Every run
/// probes locally, keeps its probe in the shared state store (`region-latency/<function>/<region>.json`) and
/// reads the other regions' latest ones: the rules then see every region's figures. A region whose last probe
/// is older than `window` (or that never reported) is listed as unknown: neither failing nor fast.
package struct DeployedRegionsProvider: RegionProvider {
  package let name = "deployed"
  let local: LocalRegionProvider
  let regions: [String]
  let window: Double

  package init(local: LocalRegionProvider, regions: [String], window: Double) {
    self.local = local
    self.regions = regions
    self.window = window
  }

  /// One region's last probe, as kept in the store.
  struct Report: Codable {
    var observedAt: Instant
    var probe: RegionProbe
  }

  static func key(function: String, region: String) -> String {
    "region-latency/\(StateKeySegment.make(function))/\(StateKeySegment.make(region)).json"
  }

  package func probe(_ target: RegionTarget, context: Context) async -> [RegionProbe] {
    guard regions.contains(context.region) else {
      return [
        RegionProbe(
          region: context.region, provider: name,
          error:
            "this run's region is not one of the deployed regions (\(regions.joined(separator: ", "))): give it with --region, VIGIL_REGION or the platform's region"
        )
      ]
    }
    let now = context.clock.now
    var probes: [RegionProbe] = []
    for region in regions {
      if region == context.region {
        guard var mine = await local.probe(target, context: context).first else { continue }
        mine.provider = name
        do {
          try await context.state.writeJSON(
            Self.key(function: context.functionName, region: region), Report(observedAt: now, probe: mine))
        } catch {
          // The other regions cannot see this one's figures: said in its own line (the run still judges).
          mine.error = (mine.error.map { $0 + "; " } ?? "") + "not shared with the other regions: \(error)"
        }
        probes.append(mine)
        continue
      }
      let report: Report?
      do {
        report = try await context.state.readJSON(
          Report.self, Self.key(function: context.functionName, region: region))
      } catch {
        probes.append(
          RegionProbe(region: region, provider: name, unknown: "its last probe cannot be read: \(error)"))
        continue
      }
      guard let report else {
        probes.append(RegionProbe(region: region, provider: name, unknown: "no probe yet"))
        continue
      }
      let age = now.timeIntervalSince(report.observedAt)
      guard age <= window else {
        probes.append(
          RegionProbe(
            region: region, provider: name,
            unknown:
              "last probe \(ConfigValue.describe(seconds: age.rounded())) ago, past the \(ConfigValue.describe(seconds: window)) window"
          ))
        continue
      }
      var probe = report.probe
      probe.region = region
      probes.append(probe)
    }
    return probes
  }
}
