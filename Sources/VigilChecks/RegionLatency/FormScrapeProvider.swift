import VigilCore
import VigilCron
import VigilNet

/// The source articles' approach, generalised: POST a form to a speed-test service once per probe node and
/// pull the figures (`alltime`, `dnstime`, `conntime`, `downtime`, or any named value) out of the answer with
/// a regex (first capture group) or a JSON path.
package struct FormScrapeProvider: RegionProvider {
  package let name = "form-scrape"

  /// A probe node of the service.
  package struct Node: Sendable {
    package var id: String
    package var name: String
  }

  /// How one figure is found in the page.
  package enum Extractor: Sendable {
    case regex(String)
    case jsonPath([JSONPathStep])
  }

  let transport: any HTTPTransport
  let endpoint: String
  let nodes: [Node]
  /// Form fields; `{url}`, `{host}`, `{node}` and `{nodeName}` in values are filled in.
  let form: [(name: String, value: String)]
  /// Figure name (`total`, `dns`, `connect`, `tls`, `ttfb`, `download`, `status`) → how to find it.
  let extract: [(name: String, extractor: Extractor)]
  /// Multiplier to milliseconds (1 when the service reports ms, 1000 when seconds).
  let scale: Double
  let timeout: Double
  let concurrency: Int

  package init(
    transport: any HTTPTransport, endpoint: String, nodes: [Node], form: [(name: String, value: String)],
    extract: [(name: String, extractor: Extractor)], scale: Double, timeout: Double, concurrency: Int
  ) {
    self.transport = transport
    self.endpoint = endpoint
    self.nodes = nodes
    self.form = form
    self.extract = extract
    self.scale = scale
    self.timeout = timeout
    self.concurrency = concurrency
  }

  package func probe(_ target: RegionTarget, context: Context) async -> [RegionProbe] {
    await nodes.concurrentMap(limit: concurrency) { node in await probe(target, node: node) }
  }

  func probe(_ target: RegionTarget, node: Node) async -> RegionProbe {
    let fields = form.map { field in
      (
        field.name,
        field.value.replacingEvery("{url}", with: target.url).replacingEvery(
          "{host}", with: URLText.host(of: target.url)
        )
        .replacingEvery("{node}", with: node.id).replacingEvery("{nodeName}", with: node.name)
      )
    }
    let request = HTTPRequest(
      url: endpoint, method: "POST", headers: [("Content-Type", "application/x-www-form-urlencoded")],
      body: [UInt8](FormEncoding.encode(fields).utf8), timeout: timeout)
    let response: HTTPResponse
    do {
      response = try await transport.send(request)
    } catch {
      return RegionProbe(region: node.name, provider: name, error: "node \(node.id): \(error)")
    }
    guard response.status < 400 else {
      return RegionProbe(
        region: node.name, provider: name, error: "node \(node.id): service answered HTTP \(response.status)")
    }
    let page = String(decoding: response.body, as: UTF8.self)
    var figures: [String: Double] = [:]
    var missing: [String] = []
    for (figure, extractor) in extract {
      if let value = Self.extract(extractor, from: page, body: response.body) {
        figures[figure] = figure == "status" ? value : value * scale
      } else {
        missing.append(figure)
      }
    }
    if !missing.isEmpty {
      return RegionProbe(
        region: node.name, provider: name,
        error:
          "node \(node.id): unparsable page: no value for \(missing.joined(separator: ", ")) (first bytes: \(page.prefix(80).filter { !$0.isNewline }))"
      )
    }
    return RegionProbe(
      region: node.name, provider: name, status: figures["status"].map { Int($0) }, dnsMs: figures["dns"],
      connectMs: figures["connect"], tlsMs: figures["tls"], firstByteMs: figures["ttfb"],
      downloadMs: figures["download"],
      totalMs: figures["total"])
  }

  static func extract(_ extractor: Extractor, from page: String, body: [UInt8]) -> Double? {
    switch extractor {
    case .regex(let pattern):
      guard let match = (try? TextPattern(pattern))?.firstMatch(in: page), match.count > 1,
        let captured = match[1]
      else { return nil }
      return Double(captured)
    case .jsonPath(let path):
      guard let json = try? JSONValue.parse(body), let value = JSONPathStep.resolve(path, in: json) else {
        return nil
      }
      return value.doubleValue ?? value.stringValue.flatMap(Double.init)
    }
  }
}
