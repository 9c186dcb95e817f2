import Foundation
import TestSupport
import Testing
import VigilCore
import VigilCron
import VigilNet

@testable import VigilChecks

@Suite(.serialized) struct RegionLatencyTests {
  func context(_ yaml: String) throws -> Context {
    Context(
      requestID: "req", functionName: "region-latency", region: "ap-guangzhou", memoryLimitMB: 64,
      timeLimit: 60,
      deadline: Instant().addingTimeInterval(60), environment: [:], logger: .silent,
      state: InMemoryStateStore(),
      clock: SystemClock(),
      configuration: ConfigValue(
        try YAMLParser.parse(yaml, file: "config.yml"), path: "config",
        substitution: EnvironmentSubstitution(environment: ["GP_TOKEN": "gp-secret-token"])))
  }

  func run(_ yaml: String) async throws -> RegionLatencyResult {
    try await RegionLatencyHandler().handle(.raw(.object([:])), context: try context(yaml))
  }

  @Test func localProviderIsTaggedWithTheFunctionRegion() async throws {
    let result = try await run("url: \(try await HTTPTestPeer.httpBase())/ok\nproviders: [{type: local}]\n")
    #expect(result.healthy)
    #expect(result.regions.count == 1)
    #expect(result.regions.first?.region == "ap-guangzhou")
    #expect(result.regions.first?.status == 200)
    #expect(try #require(result.regions.first?.totalMs) > 0)
    #expect(result.alertCandidates.first?.healthy == true)
  }

  @Test func globalpingMeasurementsArePolledAndMapped() async throws {
    let base = try await RegionTestPeer.base()
    let result = try await run(
      """
      url: https://www.example.com/status?full=1
      providers:
        - type: globalping
          endpoint: \(base)/v1
          token: ${env:GP_TOKEN}
          locations: [Germany, Japan, Slowland, Offline]
          pollInterval: 100ms
          maxWait: 10s
      rules:
        anyRegionOver: 1s
        failingRegions: 1
      """)
    #expect(result.regions.count == 4)
    let frankfurt = try #require(result.regions.first { $0.region == "Frankfurt, DE (AS3320)" })
    #expect(frankfurt.status == 200)
    #expect(frankfurt.totalMs == 120)
    #expect(frankfurt.dnsMs == 10)
    #expect(frankfurt.connectMs == 20)
    #expect(frankfurt.tlsMs == 30)
    #expect(frankfurt.firstByteMs == 50)
    #expect(frankfurt.downloadMs == 10)
    #expect(result.regions.first { $0.region.hasPrefix("Cairo") }?.error?.hasPrefix("probe offline") == true)
    #expect(!result.healthy)
    #expect(
      result.violations == [
        "1 of 4 regions over 1.0s: Sao Paulo, BR (AS28573) 2.5s",
        "1 of 4 regions failing: Cairo, EG (AS8452) (probe offline: This probe is currently offline. Please try again later.)",
      ])
    let facts = result.alertCandidates.first?.facts.filter { $0.name == "region" }.map(\.value) ?? []
    #expect(
      facts.contains(
        "Frankfurt, DE (AS3320) (globalping): status 200, total 120.0ms, dns 10.0ms, connect 20.0ms, tls 30.0ms, ttfb 50.0ms, download 10.0ms"
      ))
    #expect(try JSONCoding.encodeString(result).contains("gp-secret-token") == false)
  }

  @Test func globalpingErrorsAreReportedNotThrown() async throws {
    let base = try await RegionTestPeer.base()
    let limited = try await run(
      "url: https://ratelimited.example.com/\nproviders: [{type: globalping, endpoint: '\(base)/v1', locations: [Germany], pollInterval: 100ms}]\n"
    )
    #expect(limited.regions.count == 1)
    #expect(
      limited.regions.first?.error
        == "Globalping API HTTP 429 rate_limit_exceeded: You have run out of credits for this session. You can wait or sign in to get more. (rate limited; resets in 1342 s)"
    )
    #expect(!limited.healthy)
    let unreachable = try await run(
      "url: https://x.example.com/\nproviders: [{type: globalping, endpoint: 'http://127.0.0.1:\(unusedLoopbackPort())/v1', locations: [Germany]}]\n"
    )
    #expect(
      unreachable.regions.first?.error?.hasPrefix("cannot reach the Globalping API: connection refused")
        == true)
  }

  @Test func formScrapeNodesWithTimeoutsAndBrokenPages() async throws {
    let base = try await RegionTestPeer.base()
    let result = try await run(
      """
      url: https://www.example.com/
      providers:
        - type: form-scrape
          endpoint: \(base)/speedtest
          nodes: [{id: '1', name: Beijing}, {id: '2', name: Urumqi}, {id: slow, name: Lhasa}, {id: broken, name: Harbin}, {id: error, name: Kunming}]
          form: {url: '{url}', node: '{node}', host: '{host}'}
          extract:
            total: '"alltime": "([0-9.]+)"'
            dns: '$.data.dnstime'
            connect: '$.data.conntime'
            download: '$.data.downtime'
            status: '$.data.httpcode'
          unit: s
          timeout: 1s
      rules:
        anyRegionOver: 1s
        failingRegions: 3
      """)
    let byRegion = Dictionary(uniqueKeysWithValues: result.regions.map { ($0.region, $0) })
    #expect(byRegion["Beijing"]?.totalMs == 215)
    #expect(byRegion["Beijing"]?.dnsMs == 12)
    #expect(byRegion["Beijing"]?.status == 200)
    #expect(byRegion["Urumqi"]?.totalMs == 1800)
    #expect(
      byRegion["Lhasa"]?.error?.contains("timed out") == true,
      "\(String(describing: byRegion["Lhasa"]?.error))")
    #expect(
      byRegion["Harbin"]?.error?.contains(
        "unparsable page: no value for total, dns, connect, download, status") == true)
    #expect(byRegion["Kunming"]?.error == "node error: service answered HTTP 503")
    #expect(result.violations.count == 2)
    #expect(result.violations[0] == "1 of 5 regions over 1.0s: Urumqi 1.8s")
    #expect(result.violations[1].hasPrefix("3 of 5 regions failing: Lhasa"))
    let lastForm = try await CurlHTTPClient().send(HTTPRequest(url: base + "/speedtest/last"))
    let form = try JSONValue.parse(lastForm.body)
    #expect(form["url"] == .string("https://www.example.com/"))
    #expect(form["host"] == .string("www.example.com"))
  }

  @Test func percentileRule() {
    var rules = RegionRules()
    rules.failingRegions = 99
    rules.percentile = 90
    rules.percentileOverMs = 500
    let probes = [100.0, 200, 300, 400, 450, 480, 490, 495, 499, 900].map {
      RegionProbe(region: "r\($0)", provider: "t", status: 200, totalMs: $0)
    }
    #expect(rules.violations(probes) == [])
    rules.percentile = 95
    #expect(rules.violations(probes) == ["p95 across 10 regions is 900.0ms, over 500.0ms"])
    #expect(RegionRules.percentile(50, of: [1, 2, 3, 4]) == 2)
  }

  @Test(
    arguments: [
      ("url: http://x\nproviders: [{type: satellite}]\n", 2, 13, "unknown provider type 'satellite'"),
      ("url: http://x\nproviders: []\n", 1, 1, "'providers' is empty"),
      (
        "url: http://x\nproviders:\n  - type: form-scrape\n    endpoint: http://y\n    nodes: [{id: a}]\n    form: {}\n    extract: {total: 'alltime=[0-9]+'}\n",
        7, 22, "needs a capture group"
      ),
      (
        "url: http://x\nproviders:\n  - type: form-scrape\n    endpoint: http://y\n    nodes: [{id: a}]\n    form: {}\n    extract: {latency: '$.a'}\n",
        7, 15, "unknown figure 'latency'"
      ),
      (
        "url: http://x\nproviders:\n  - type: form-scrape\n    endpoint: http://y\n    nodes: [{id: a}]\n    form: {}\n    extract: {dns: '$.a'}\n",
        7, 14, "needs at least 'total'"
      ),
      ("url: http://x\nproviders: [{type: globalping, locations: []}]\n", 2, 43, "'locations' is empty"),
      (
        "url: http://x\nproviders: [{type: local}]\nrules: {percentile: 90}\n", 3, 8,
        "missing the required key 'percentileOver'"
      ),
      ("url: ftp://x\nproviders: [{type: local}]\n", 1, 6, "must start with http:// or https://"),
    ] as [(String, Int, Int, String)])
  func badConfigurationNamesThePlace(yaml: String, line: Int, column: Int, message: String) throws {
    let value = ConfigValue(
      try YAMLParser.parse(yaml, file: "config.yml"), path: "config",
      substitution: EnvironmentSubstitution(environment: [:]))
    let error = try #require(throws: ConfigError.self) {
      try RegionLatencyConfig.read(value, transport: CurlHTTPClient())
    }
    #expect(error.mark.line == line, "\(error)")
    #expect(error.mark.column == column, "\(error)")
    #expect(error.message.contains(message), "\(error)")
  }
}
