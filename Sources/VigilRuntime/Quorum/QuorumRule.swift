import VigilCore
import VigilCron

/// `quorum:` in a function's `config.yml`: the same function runs in several regions, each writes what it saw to
/// the shared state store, and a target is down only when enough regions agree.
///
/// ```yaml
/// quorum:
///   regions: [ap-guangzhou, ap-shanghai, ap-beijing]
///   down: 2          # or majority (the default)
///   window: 5m       # a region whose last report is older is unknown (default 5m)
///   latency: {percentile: 90, over: 1s}   # optional: the regions' figures (total ms) together
/// ```
///
/// The runtime reads it (and takes it out of what the check's own reader sees), so it works for any check
/// whose result carries alert candidates.
package struct QuorumRule: Sendable, Hashable {
  /// The regions the function is deployed to, in the order given.
  package var regions: [String]
  /// How many regions must see a target down for it to be down.
  package var down: Int
  /// How fresh a region's last report must be to count.
  package var window: Double
  /// A latency rule over the reporting regions' figures: the `percentile` of their values over `overMs`.
  package var latency: (percentile: Double, overMs: Double)?

  package init(
    regions: [String], down: Int, window: Double, latency: (percentile: Double, overMs: Double)? = nil
  ) {
    self.regions = regions
    self.down = down
    self.window = window
    self.latency = latency
  }

  package static func == (a: QuorumRule, b: QuorumRule) -> Bool {
    a.regions == b.regions && a.down == b.down && a.window == b.window
      && a.latency?.percentile == b.latency?.percentile && a.latency?.overMs == b.latency?.overMs
  }

  package func hash(into hasher: inout Hasher) {
    hasher.combine(regions)
    hasher.combine(down)
    hasher.combine(window)
  }

  /// Splits a function's configuration into the check's part and the quorum rule, if it has one.
  package static func split(_ configuration: ConfigValue?) throws(ConfigError) -> (
    check: ConfigValue?, quorum: QuorumRule?
  ) {
    guard let configuration else { return (nil, nil) }
    let (check, value) = configuration.splitting("quorum")
    return (check, try value.map { value throws(ConfigError) in try read(value) })
  }

  /// Reads the `quorum:` mapping.
  package static func read(_ value: ConfigValue) throws(ConfigError) -> QuorumRule {
    let fields = try value.mapping(allowed: ["regions", "down", "window", "latency"])
    let regionsValue = try fields.required("regions")
    let regions = try ServerlessConfig.readRegions(regionsValue, count: 2...16)
    var down = regions.count / 2 + 1
    if let downValue = fields.optional("down") {
      if (try? downValue.string()) == "majority" {
        down = regions.count / 2 + 1
      } else {
        down = try downValue.int(within: 1...regions.count)
      }
    }
    let window = try fields.optional("window")?.duration(within: 1...86_400) ?? 300
    var latency: (percentile: Double, overMs: Double)?
    if let latencyValue = fields.optional("latency") {
      let rule = try latencyValue.mapping(allowed: ["percentile", "over"])
      let percentile = try rule.required("percentile").double()
      guard (1...100).contains(percentile) else {
        throw try rule.required("percentile").error("'percentile' must be 1-100")
      }
      let over = try rule.required("over").duration(defaultUnit: 0.001, within: 0.001...3_600)
      latency = (percentile, over * 1000)
    }
    return QuorumRule(regions: regions, down: down, window: window, latency: latency)
  }

  /// Why this rule does not fit the deployment: a region in `quorum.regions` that `custom.vigil.regions` (when
  /// given) does not deploy to, which would stay silent for ever. Nil when it fits.
  package func deploymentProblem(_ settings: ServerlessConfig.VigilSettings, configFile: String) -> String? {
    guard let deployed = settings.regions, let mark = settings.regionsMark else { return nil }
    let missing = regions.filter { !deployed.contains($0) }
    guard !missing.isEmpty else { return nil }
    return "\(configFile): quorum.regions names \(missing.joined(separator: ", ")), where the service is not"
      + " deployed: \(mark): custom.vigil.regions is \(deployed.joined(separator: ", "))"
  }
}
