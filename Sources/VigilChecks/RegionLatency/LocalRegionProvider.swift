import VigilCore
import VigilNet

/// Probes from where the function runs, tagged with the function's region: deploy the same function in
/// several regions and each reports its own view (the serverless way to be multi-region).
package struct LocalRegionProvider: RegionProvider {
  package let name = "local"
  let transport: any HTTPTransport
  let caFile: String?
  let insecure: Bool

  package init(transport: any HTTPTransport, caFile: String? = nil, insecure: Bool = false) {
    self.transport = transport
    self.caFile = caFile
    self.insecure = insecure
  }

  package func probe(_ target: RegionTarget, context: Context) async -> [RegionProbe] {
    var request = HTTPRequest(
      url: target.url, method: target.method, timeout: min(target.timeout, context.remainingTimeForProbes),
      insecure: insecure, caFile: caFile)
    request.freshConnection = true
    do {
      let response = try await transport.send(request)
      let timings = response.timings
      return [
        RegionProbe(
          region: context.region, provider: name, status: response.status, dnsMs: timings.dnsMs,
          connectMs: timings.connectMs,
          tlsMs: timings.tlsMs, firstByteMs: timings.firstByteMs, downloadMs: timings.transferMs,
          totalMs: timings.totalMs)
      ]
    } catch {
      return [
        RegionProbe(region: context.region, provider: name, error: Redactor.shared.redact(error.description))
      ]
    }
  }
}
