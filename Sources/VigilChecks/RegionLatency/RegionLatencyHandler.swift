import VigilCore
import VigilCron
import VigilNet

/// `region-latency`: one URL measured from several vantage points (this function's region, Globalping probes,
/// a form-scrape speed-test service), judged by rules over the regions; the alert lists every region's figures.
package struct RegionLatencyHandler: Handler {
  let transport: any HTTPTransport

  package init(transport: any HTTPTransport = CurlHTTPClient()) {
    self.transport = transport
  }

  package func handle(_ event: InvocationEvent, context: Context) async throws -> RegionLatencyResult {
    guard let configuration = context.configuration else {
      throw InvocationFailure(
        errorType: "ConfigurationMissing",
        errorMessage:
          "region-latency needs functions/\(context.functionName)/config.yml with 'url:' and 'providers:'")
    }
    var config = try RegionLatencyConfig.read(configuration, transport: transport)
    if let url = event.json["url"]?.stringValue, url.hasPrefix("http://") || url.hasPrefix("https://") {
      config.target.url = url
      config.name = URLText.host(of: url)
    }
    let target = config.target
    let probes = await withTaskGroup(of: (Int, [RegionProbe]).self) { group in
      for (index, provider) in config.providers.enumerated() {
        group.addTask { (index, await provider.probe(target, context: context)) }
      }
      var collected: [(Int, [RegionProbe])] = []
      for await result in group { collected.append(result) }
      return collected.sorted { $0.0 < $1.0 }.flatMap(\.1)
    }
    let violations = config.rules.violations(probes)
    let now = context.clock.now
    var facts: [AlertCandidate.Fact] = [.init("url", Redactor.redactURL(target.url))]
    facts += violations.map { .init("rule", $0) }
    facts += probes.map { .init("region", $0.line) }
    let candidate = AlertCandidate(
      function: context.functionName, check: "region-latency", target: config.name,
      healthy: violations.isEmpty,
      severity: config.severity,
      summary: violations.isEmpty
        ? "\(config.name) is fine from \(probes.filter { $0.unknown == nil }.count) regions"
        : "\(config.name): \(violations.joined(separator: "; "))",
      facts: facts, observedAt: now)
    return RegionLatencyResult(
      function: context.functionName, checkedAt: ISO8601.format(now, fractional: true),
      url: Redactor.redactURL(target.url),
      healthy: violations.isEmpty, violations: violations, regions: probes, alertCandidates: [candidate])
  }
}

/// What `region-latency` returns.
package struct RegionLatencyResult: Sendable, Encodable, AlertProducing {
  package var function: String
  package var checkedAt: String
  package var url: String
  package var healthy: Bool
  package var violations: [String]
  package var regions: [RegionProbe]
  package var alertCandidates: [AlertCandidate]

  enum CodingKeys: String, CodingKey { case function, checkedAt, url, healthy, violations, regions }
}
