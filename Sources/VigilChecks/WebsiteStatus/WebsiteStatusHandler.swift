import VigilCore
import VigilCron
import VigilNet

/// `website-status`: checks each configured URL, evaluates its conditions, and reports every target (up or
/// down, with timings) as an alert candidate.
package struct WebsiteStatusHandler: Handler {
  let transport: any HTTPTransport

  package init(transport: any HTTPTransport = CurlHTTPClient()) {
    self.transport = transport
  }

  package func handle(_ event: InvocationEvent, context: Context) async throws -> WebsiteStatusResult {
    let config = try Self.configuration(event: event, context: context)
    let limit = Self.inFlightLimit(config, memoryLimitMB: context.memoryLimitMB)
    if limit < min(config.concurrency, config.targets.count) {
      context.logger.info(
        "fewer checks at once than 'concurrency' says: their response bodies must fit half the function's memory",
        [
          "concurrency": String(config.concurrency), "inFlight": String(limit),
          "memoryLimitMB": String(context.memoryLimitMB),
        ])
    }
    let results = await config.targets.concurrentMap(limit: limit) { target in
      await check(target, context: context)
    }
    let now = context.clock.now
    return WebsiteStatusResult(
      function: context.functionName, checkedAt: ISO8601.format(now, fractional: true),
      up: results.filter(\.up).count, down: results.filter { !$0.up }.count, targets: results,
      alertCandidates: zip(config.targets, results).map {
        candidate(target: $0.0, result: $0.1, context: context, at: now)
      })
  }

  /// How many targets are checked at once: `concurrency`, and no more than the response bodies that could be
  /// held at once (each up to its target's `maxBodyBytes`) fit in half the function's memory; at least one.
  static func inFlightLimit(_ config: WebsiteStatusConfig, memoryLimitMB: Int) -> Int {
    let largestBody = max(1, config.targets.map(\.maxBodyBytes).max() ?? 1)
    let budget = max(1, memoryLimitMB) << 19  // half, in bytes
    return max(1, min(config.concurrency, budget / largestBody))
  }

  /// The targets: the event's `targets` when it carries some, else the function's configuration.
  static func configuration(event: InvocationEvent, context: Context) throws -> WebsiteStatusConfig {
    if case .raw(let json) = event, json["targets"] != nil {
      var override: [String: JSONValue] = ["targets": json["targets"] ?? .null]
      if let concurrency = json["concurrency"] { override["concurrency"] = concurrency }
      let node = YAMLNode(json: .object(override), file: "event")
      return try WebsiteStatusConfig.read(
        ConfigValue(
          node, path: "event", substitution: EnvironmentSubstitution(environment: context.environment)))
    }
    guard let configuration = context.configuration else {
      throw InvocationFailure(
        errorType: "ConfigurationMissing",
        errorMessage:
          "website-status needs functions/\(context.functionName)/config.yml with 'targets:' (or an event with a 'targets' list)"
      )
    }
    return try WebsiteStatusConfig.read(configuration)
  }

  func check(_ target: WebsiteTarget, context: Context) async -> TargetResult {
    let safeURL = Redactor.redactURL(target.url)
    if target.insecure {
      context.logger.warning(
        "TLS verification is OFF for this target (insecure: true); its certificate is not checked",
        ["target": target.name, "url": safeURL])
    }
    // A target that waited its turn (concurrency) starts with what is left: it ends, answered or timed out,
    // before the invocation's deadline, with time kept for alerting and the answer.
    let budget = min(target.timeout, context.remainingTimeForProbes)
    var request = HTTPRequest(
      url: target.url, method: target.method, headers: target.headers,
      body: target.body.map { [UInt8]($0.utf8) },
      connectTimeout: min(target.connectTimeout, budget), timeout: budget,
      maxBodyBytes: target.maxBodyBytes, followRedirects: target.followRedirects, insecure: target.insecure,
      caFile: target.caFile)
    request.freshConnection = true
    do {
      let response = try await transport.send(request)
      var failed: [FailedCondition] = []
      for condition in target.conditions {
        if let actual = condition.evaluate(response, now: context.clock.now) {
          failed.append(FailedCondition(condition: condition.source, actual: actual))
        }
      }
      return TargetResult(
        name: target.name, url: safeURL, up: failed.isEmpty, status: response.status, error: nil,
        errorKind: nil,
        failedConditions: failed, timings: response.timings, remoteIP: response.remoteIP,
        httpVersion: response.httpVersion, bytes: response.bytesReceived, bodyTruncated: response.truncated,
        certificateExpiry: response.certificateExpiry.map { Int64($0.timeIntervalSince1970.rounded(.down)) })
    } catch {
      return TargetResult(
        name: target.name, url: safeURL, up: false, status: nil,
        error: Redactor.shared.redact(error.description),
        errorKind: error.kind, failedConditions: [], timings: nil, remoteIP: nil, httpVersion: nil,
        bytes: nil,
        bodyTruncated: nil)
    }
  }

  func candidate(target: WebsiteTarget, result: TargetResult, context: Context, at now: Instant)
    -> AlertCandidate
  {
    var facts: [AlertCandidate.Fact] = [.init("url", result.url), .init("region", context.region)]
    if let status = result.status { facts.append(.init("status", String(status))) }
    if let error = result.error { facts.append(.init("error", error)) }
    for failed in result.failedConditions {
      facts.append(.init("failed", "\(failed.condition) (actual \(failed.actual))"))
    }
    if let timings = result.timings {
      let parts = [
        ("dns", timings.dnsMs), ("connect", timings.connectMs), ("tls", timings.tlsMs),
        ("ttfb", timings.firstByteMs), ("total", timings.totalMs),
      ]
      facts.append(
        .init(
          "timings",
          parts.map { "\($0.0) \(WebsiteCondition.format(milliseconds: $0.1))" }.joined(separator: ", ")))
    }
    let summary: String
    if result.up {
      summary = "\(target.name) is up"
    } else if let error = result.error {
      summary = "\(target.name) is down: \(error)"
    } else {
      summary =
        "\(target.name) is down: "
        + result.failedConditions.map { "\($0.condition) failed (actual \($0.actual))" }.joined(
          separator: "; ")
    }
    return AlertCandidate(
      function: context.functionName, check: "http", target: target.name, healthy: result.up,
      severity: target.severity,
      summary: summary, facts: facts, observedAt: now, value: result.timings?.totalMs,
      figures: Self.figures(result))
  }

  /// The figures a web check keeps in history: status code and each phase's milliseconds.
  static func figures(_ result: TargetResult) -> [String: Double] {
    var figures: [String: Double] = [:]
    if let status = result.status { figures["status"] = Double(status) }
    if let timings = result.timings {
      figures["dns"] = timings.dnsMs
      figures["connect"] = timings.connectMs
      figures["tls"] = timings.tlsMs
      figures["ttfb"] = timings.firstByteMs
      figures["transfer"] = timings.transferMs
      figures["total"] = timings.totalMs
    }
    if let expiry = result.certificateExpiry { figures["certExpiry"] = Double(expiry) }
    return figures
  }
}

/// What `website-status` returns.
package struct WebsiteStatusResult: Sendable, Encodable, AlertProducing {
  package var function: String
  package var checkedAt: String
  package var up: Int
  package var down: Int
  package var targets: [TargetResult]
  package var alertCandidates: [AlertCandidate]

  enum CodingKeys: String, CodingKey { case function, checkedAt, up, down, targets }
}

extension WebsiteStatusResult: JSONStreamable {
  /// The same bytes as the encoded tree, one target's tree at a time (10,000 targets held as one tree took
  /// 39 MB at the peak of a run).
  package func writeJSON(to out: inout JSONText, pretty: Bool) throws {
    var object = JSONObjectWriter(to: &out, pretty: pretty)
    object.member("checkedAt", .string(checkedAt), to: &out)
    object.member("down", .int(Int64(down)), to: &out)
    object.member("function", .string(function), to: &out)
    try object.member("targets", elements: targets, to: &out)
    object.member("up", .int(Int64(up)), to: &out)
    object.finish(to: &out)
  }
}

/// One target's outcome.
package struct TargetResult: Sendable, Codable {
  package var name: String
  package var url: String
  package var up: Bool
  package var status: Int?
  package var error: String?
  /// `dns`, `refused`, `timeout`, `tls`…, when the request itself failed.
  package var errorKind: String?
  package var failedConditions: [FailedCondition]
  package var timings: HTTPTimings?
  package var remoteIP: String?
  package var httpVersion: String?
  package var bytes: Int64?
  package var bodyTruncated: Bool?
  /// Unix seconds when the server's certificate expires (HTTPS with a fresh handshake only).
  package var certificateExpiry: Int64? = nil
}

/// A condition that was not met, with what was found.
package struct FailedCondition: Sendable, Codable {
  package var condition: String
  package var actual: String
}
