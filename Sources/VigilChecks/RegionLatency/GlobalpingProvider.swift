import VigilCore
import VigilCron
import VigilNet

/// The public Globalping measurement API: POST an HTTP measurement for a list of locations, poll until it is
/// finished, and map each probe's timings (`total`, `dns`, `tcp`, `tls`, `firstByte`, `download`).
package struct GlobalpingProvider: RegionProvider {
  package let name = "globalping"
  let transport: any HTTPTransport
  /// API base, e.g. `https://api.globalping.io/v1` (a local stand-in in tests).
  let endpoint: String
  let token: String?
  /// Globalping "magic" location strings: `Germany`, `Tokyo`, `AS3320`, `aws-us-east-1`.
  let locations: [String]
  let limitPerLocation: Int
  let pollInterval: Double
  let maxWait: Double

  package init(
    transport: any HTTPTransport, endpoint: String, token: String?, locations: [String],
    limitPerLocation: Int, pollInterval: Double, maxWait: Double
  ) {
    self.transport = transport
    self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
    self.token = token
    self.locations = locations
    self.limitPerLocation = limitPerLocation
    self.pollInterval = pollInterval
    self.maxWait = maxWait
  }

  func failure(_ message: String) -> [RegionProbe] {
    [RegionProbe(region: "globalping", provider: name, error: message)]
  }

  /// The measurement request body.
  func requestBody(for target: RegionTarget) -> JSONValue {
    let host = URLText.host(of: target.url)
    let https = target.url.hasPrefix("https://")
    var rest = Substring(target.url)
    if let scheme = rest.range(ofText: "://") { rest = rest[scheme.upperBound...] }
    let pathStart = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
    let authority = rest[..<pathStart]
    var pathAndQuery = String(rest[pathStart...])
    if pathAndQuery.isEmpty { pathAndQuery = "/" }
    var query: String?
    if let question = pathAndQuery.firstIndex(of: "?") {
      query = String(pathAndQuery[pathAndQuery.index(after: question)...])
      pathAndQuery = String(pathAndQuery[..<question])
    }
    var request: [String: JSONValue] = [
      "path": .string(pathAndQuery.isEmpty ? "/" : pathAndQuery),
      "method": .string(target.method == "HEAD" ? "HEAD" : "GET"),
    ]
    if let query { request["query"] = .string(query) }
    var options: [String: JSONValue] = [
      "request": .object(request), "protocol": .string(https ? "HTTPS" : "HTTP"),
    ]
    if let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]) {
      options["port"] = .int(Int64(port))
    }
    return .object([
      "type": .string("http"), "target": .string(host),
      "locations": .array(
        locations.map { .object(["magic": .string($0), "limit": .int(Int64(limitPerLocation))]) }),
      "measurementOptions": .object(options),
    ])
  }

  var headers: [(name: String, value: String)] {
    var headers: [(name: String, value: String)] = [
      ("Content-Type", "application/json"), ("Accept", "application/json"),
    ]
    if let token, !token.isEmpty { headers.append(("Authorization", "Bearer \(token)")) }
    return headers
  }

  package func probe(_ target: RegionTarget, context: Context) async -> [RegionProbe] {
    let body: [UInt8]
    do { body = try JSONCoding.encode(requestBody(for: target)) } catch {
      return failure("cannot encode the request: \(error)")
    }
    let created: HTTPResponse
    do {
      created = try await transport.send(
        HTTPRequest(
          url: "\(endpoint)/measurements", method: "POST", headers: headers, body: body, timeout: 15))
    } catch {
      return failure("cannot reach the Globalping API: \(error)")
    }
    guard created.status == 202 || created.status == 200, let json = try? JSONValue.parse(created.body),
      let id = json["id"]?.stringValue, !id.isEmpty,
      id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" })
    else {
      return failure(Self.describeError(created))
    }
    let deadline = context.clock.now.addingTimeInterval(min(maxWait, max(1, context.remainingTime - 1)))
    while true {
      do {
        try await context.clock.sleep(seconds: pollInterval)
      } catch {
        return failure("cancelled while waiting for measurement \(id)")
      }
      let polled: HTTPResponse
      do {
        polled = try await transport.send(
          HTTPRequest(url: "\(endpoint)/measurements/\(id)", headers: headers, timeout: 15))
      } catch {
        return failure("cannot poll measurement \(id): \(error)")
      }
      guard polled.status == 200, let measurement = try? JSONValue.parse(polled.body) else {
        return failure(Self.describeError(polled))
      }
      let finished = measurement["status"]?.stringValue != "in-progress"
      if finished || context.clock.now >= deadline {
        let probes = (measurement["results"]?.arrayValue ?? []).map {
          Self.probe(from: $0, finished: finished)
        }
        return probes.isEmpty ? failure("measurement \(id) returned no probe results") : probes
      }
    }
  }

  /// Maps one entry of `results` to a probe.
  static func probe(from entry: JSONValue, finished: Bool) -> RegionProbe {
    let probe = entry["probe"]
    var place = [probe?["city"]?.stringValue, probe?["country"]?.stringValue].compactMap { $0 }.filter {
      !$0.isEmpty
    }.joined(separator: ", ")
    if place.isEmpty { place = probe?["region"]?.stringValue ?? "unknown" }
    if let asn = probe?["asn"]?.intValue { place += " (AS\(asn))" }
    let result = entry["result"]
    let status = result?["status"]?.stringValue ?? "unknown"
    guard status == "finished" else {
      let reason =
        status == "in-progress" && !finished ? "still in progress when the wait ran out" : "probe \(status)"
      let raw = result?["rawOutput"]?.stringValue.map { ": \($0.prefix(200))" } ?? ""
      return RegionProbe(region: place, provider: "globalping", error: reason + raw)
    }
    let timings = result?["timings"]
    return RegionProbe(
      region: place, provider: "globalping", status: result?["statusCode"]?.intValue.map(Int.init),
      dnsMs: timings?["dns"]?.doubleValue, connectMs: timings?["tcp"]?.doubleValue,
      tlsMs: timings?["tls"]?.doubleValue,
      firstByteMs: timings?["firstByte"]?.doubleValue, downloadMs: timings?["download"]?.doubleValue,
      totalMs: timings?["total"]?.doubleValue)
  }

  /// `HTTP 429 rate_limit_exceeded: You have run out of credits…`.
  static func describeError(_ response: HTTPResponse) -> String {
    let json = try? JSONValue.parse(response.body)
    let type = json?["error"]?["type"]?.stringValue ?? "unexpected answer"
    let message =
      json?["error"]?["message"]?.stringValue ?? String(decoding: response.body.prefix(200), as: UTF8.self)
    var text = "Globalping API HTTP \(response.status) \(type): \(message)"
    if response.status == 429, let reset = response.header("X-RateLimit-Reset") {
      text += " (rate limited; resets in \(reset) s)"
    }
    return text
  }
}
