import VigilCore
import VigilNet

/// One vantage point's measurement of the URL: where, by which provider, and the timing breakdown.
package struct RegionProbe: Sendable, Codable, Hashable {
  /// Where the probe ran (`ap-guangzhou`, `Frankfurt, DE (AS3320)`, `Beijing`).
  package var region: String
  /// `local`, `globalping` or `form-scrape`.
  package var provider: String
  package var status: Int?
  /// Milliseconds; nil when the provider does not report that phase.
  package var dnsMs: Double?
  package var connectMs: Double?
  package var tlsMs: Double?
  package var firstByteMs: Double?
  package var downloadMs: Double?
  package var totalMs: Double?
  /// Why the probe failed (DNS, timeout, provider error…), when it did.
  package var error: String?
  /// Why nothing is known of this region (a deployed region silent past the window): neither failing nor
  /// fast for the rules.
  package var unknown: String?

  package init(
    region: String, provider: String, status: Int? = nil, dnsMs: Double? = nil, connectMs: Double? = nil,
    tlsMs: Double? = nil, firstByteMs: Double? = nil, downloadMs: Double? = nil, totalMs: Double? = nil,
    error: String? = nil, unknown: String? = nil
  ) {
    self.region = region
    self.provider = provider
    self.status = status
    self.dnsMs = dnsMs
    self.connectMs = connectMs
    self.tlsMs = tlsMs
    self.firstByteMs = firstByteMs
    self.downloadMs = downloadMs
    self.totalMs = totalMs
    self.error = error
    self.unknown = unknown
  }

  /// Failed outright: an error, or an HTTP status of 400 or more.
  package var failed: Bool { error != nil || (status ?? 0) >= 400 }

  /// One line for the alert's table: `Beijing (form-scrape): status 200, total 215ms, dns 12ms, …`.
  package var line: String {
    if let error { return "\(region) (\(provider)): ERROR \(error)" }
    if let unknown { return "\(region) (\(provider)): UNKNOWN \(unknown)" }
    var parts: [String] = []
    if let status { parts.append("status \(status)") }
    for (name, value) in [
      ("total", totalMs), ("dns", dnsMs), ("connect", connectMs), ("tls", tlsMs), ("ttfb", firstByteMs),
      ("download", downloadMs),
    ] {
      if let value { parts.append("\(name) \(WebsiteCondition.format(milliseconds: value))") }
    }
    return "\(region) (\(provider)): " + parts.joined(separator: ", ")
  }
}

/// Somewhere probes come from.
package protocol RegionProvider: Sendable {
  /// The provider's name in results (`local`, `globalping`, `form-scrape`).
  var name: String { get }
  /// Probes `target` from every vantage point this provider has; failures are probes with an error, not throws.
  func probe(_ target: RegionTarget, context: Context) async -> [RegionProbe]
}

/// What is measured.
package struct RegionTarget: Sendable {
  package var url: String
  package var method: String
  package var timeout: Double
}
