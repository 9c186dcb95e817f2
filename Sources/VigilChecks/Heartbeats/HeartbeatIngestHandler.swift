import VigilCore
import VigilCron

/// `heartbeat-ingest`: takes a host's report as an API-gateway event (`POST /heartbeat/<host>` with an optional
/// JSON object of figures and the host's token) and records last-seen and the figures in the state store.
/// Answers as an API gateway expects: 200 with the count, 401 for a bad token, 400 for a bad host or body.
package struct HeartbeatIngestHandler: Handler {
  package init() {}

  /// Largest report body accepted.
  static let maxBody = 64 * 1024

  package func handle(_ event: InvocationEvent, context: Context) async throws -> GatewayResponse {
    let config = try HeartbeatIngestConfig.read(context.configuration)
    guard case .gateway(let request) = event else {
      return Self.answer(400, ["error": "heartbeat-ingest takes API-gateway events (POST /heartbeat/<host>)"])
    }
    guard request.httpMethod.uppercased() == "POST" else {
      return Self.answer(405, ["error": "use POST /heartbeat/<host>"], headers: ["Allow": "POST"])
    }
    let host = request.pathParameters["host"] ?? String(request.path.split(separator: "/").last ?? "")
    guard HeartbeatRecord.isValidHost(host) else {
      return Self.answer(
        400,
        ["error": "bad host name in \(request.path.prefix(100)): use letters, digits, '.', '-', '_' (1-64)"])
    }
    guard config.accepts(host: host, token: Self.token(request)) else {
      context.logger.warning("heartbeat refused: bad or missing token", ["host": host])
      return Self.answer(
        401, ["error": "missing or wrong token for host '\(host)'"],
        headers: ["WWW-Authenticate": "Bearer"])
    }
    var body = request.body ?? ""
    if request.isBase64Encoded {
      guard let data = Base64.decode(body) else {
        return Self.answer(400, ["error": "body is not valid base64"])
      }
      body = String(decoding: data, as: UTF8.self)
    }
    guard body.utf8.count <= Self.maxBody else {
      return Self.answer(413, ["error": "report over \(Self.maxBody) bytes"])
    }
    var figures: JSONValue?
    if !body.trimming(" \r\n\t").isEmpty {
      guard let parsed = try? JSONValue.parse([UInt8](body.utf8)), case .object = parsed else {
        return Self.answer(400, ["error": "the body must be a JSON object of figures, e.g. {\"cpu\": 12.5}"])
      }
      if let problem = HeartbeatRecord.problem(with: parsed) {
        return Self.answer(
          400, ["error": "\(problem); report a flat object of figures, e.g. {\"cpu\": 12.5}"])
      }
      figures = parsed
    }
    let now = context.clock.now
    let key = HeartbeatRecord.key(host)
    let record = try await context.state.update(key) { stored -> (store: [UInt8]?, result: HeartbeatRecord) in
      let fresh = HeartbeatRecord(host: host, firstSeen: now, lastSeen: now, reports: 0, active: true)
      var record: HeartbeatRecord
      do {
        record =
          try stored.map { try context.state.decodeRecord(HeartbeatRecord.self, $0.data, key: key) } ?? fresh
      } catch {
        // A record that cannot be read (written before figures were bounded, or damaged) is replaced by this
        // report: the host is seen again, and said so.
        context.logger.warning(
          "the host's previous heartbeat record cannot be read; starting it afresh",
          ["host": host, "error": "\(error)"])
        record = fresh
      }
      record.lastSeen = now
      record.reports += 1
      record.active = figures?["active"] != .bool(false)
      if let figures { record.figures = figures }
      record.sourceIP = request.requestContext?["sourceIp"]?.stringValue ?? record.sourceIP
      return (try JSONCoding.encode(record, pretty: true), record)
    }
    return Self.answer(
      200,
      [
        "ok": .bool(true), "host": .string(host), "reports": .int(Int64(record.reports)),
        "active": .bool(record.active),
      ])
  }

  /// The token from `Authorization: Bearer …` or `X-Heartbeat-Token`.
  static func token(_ request: GatewayEvent) -> String? {
    if let authorization = request.header("Authorization"), authorization.lowercased().hasPrefix("bearer ") {
      return String(authorization.dropFirst(7)).trimming(" ")
    }
    return request.header("X-Heartbeat-Token")
  }

  static func answer(_ status: Int, _ fields: [String: String], headers: [String: String] = [:])
    -> GatewayResponse
  {
    answer(status, fields.mapValues { JSONValue.string($0) }, headers: headers)
  }

  static func answer(_ status: Int, _ fields: [String: JSONValue], headers: [String: String] = [:])
    -> GatewayResponse
  {
    GatewayResponse(
      statusCode: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a },
      body: JSONValue.object(fields).encodedString())
  }
}

/// `functions/heartbeat-ingest/config.yml`: who may report.
package struct HeartbeatIngestConfig: Sendable {
  /// One token every host may use.
  package var token: String?
  /// Per-host tokens; a host listed here must use its own.
  package var tokens: [String: String]
  /// Accept reports without a token (a trusted network only; logged at every start).
  package var anonymous: Bool

  package static func read(_ root: ConfigValue?) throws(ConfigError) -> HeartbeatIngestConfig {
    guard let root else {
      throw ConfigError(
        SourceMark(file: "functions/heartbeat-ingest/config.yml", line: 1, column: 1),
        "heartbeat-ingest needs a config.yml with 'token:' (shared), 'tokens:' (per host) or 'anonymous: true'"
      )
    }
    let map = try root.mapping(allowed: ["token", "tokens", "anonymous"])
    let config = HeartbeatIngestConfig(
      token: try map.optional("token")?.string(), tokens: try map.optional("tokens")?.stringMap() ?? [:],
      anonymous: try map.optional("anonymous")?.bool() ?? false)
    if let token = config.token { Redactor.shared.register(token) }
    for token in config.tokens.values { Redactor.shared.register(token) }
    if (config.token ?? "").isEmpty && config.tokens.isEmpty && !config.anonymous {
      throw root.error("set 'token:' (shared), 'tokens:' (per host) or 'anonymous: true' (no authentication)")
    }
    if let token = config.token, !token.isEmpty, token.utf8.count < 16 {
      throw try map.required("token").error(
        "a token of at least 16 characters, please (it is all that guards this endpoint)")
    }
    return config
  }

  /// Whether `token` lets `host` report.
  package func accepts(host: String, token: String?) -> Bool {
    if let own = tokens[host] { return Self.same(token, own) }
    if let shared = token.flatMap({ _ in self.token }), !shared.isEmpty { return Self.same(token, shared) }
    return anonymous
  }

  /// Compares without stopping at the first difference (no timing hint of how much matched).
  static func same(_ given: String?, _ expected: String) -> Bool {
    guard let given else { return false }
    let a = Array(given.utf8)
    let b = Array(expected.utf8)
    var difference = UInt8(a.count == b.count ? 0 : 1)
    for index in 0..<max(a.count, b.count) {
      difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
    }
    return difference == 0
  }
}
