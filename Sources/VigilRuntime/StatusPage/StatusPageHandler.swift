import VigilCore
import VigilCron

/// `status-page`: an API-gateway function that reads the history in the state store and answers
/// - `/` — the status page (HTML, inline CSS and SVG, `?lang=zh` or `Accept-Language`),
/// - `/api/status` — the same data as JSON,
/// - `/api/history/<function>/<target>` — one target with its points, per region,
/// - `/badge/<function>/<target>.svg` — a state badge (`?uptime=24h|7d|30d|90d` for uptime),
/// - `/metrics` — Prometheus text: blackbox_exporter's and kafka_exporter's names, and Vigil's own.
///
/// Paths are relative to the endpoint's greedy parameter (`/status/{path+}` serves `/status/api/status`), so the
/// same function answers under `vigil serve` and behind SCF's or AWS's API gateway.
package struct StatusPageHandler: Handler {
  package init() {}

  package func handle(_ event: InvocationEvent, context: Context) async throws -> GatewayResponse {
    let config = try StatusPageConfig.read(context.configuration)
    guard case .gateway(let request) = event else {
      return Self.error(400, "status-page answers API-gateway events (GET /, /api/status, /badge/…)")
    }
    let method = request.httpMethod.uppercased()
    guard method == "GET" || method == "HEAD" else {
      return Self.error(405, "use GET", headers: ["Allow": "GET, HEAD"])
    }
    let relative = request.pathParameters["path"] ?? request.pathParameters["proxy"] ?? ""
    let now = context.clock.now
    if relative.isEmpty || relative == "index.html" {
      let model = try await StatusPageModel.load(config, state: context.state, now: now)
      let language = StatusPageText.Language.chosen(
        query: request.queryString["lang"], acceptLanguage: request.header("Accept-Language"),
        fallback: config.language)
      let html = StatusPageHTML.render(model, config: config, text: StatusPageText(language))
      return GatewayResponse(
        statusCode: 200,
        headers: [
          "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache",
          "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:",
          "Content-Language": language.rawValue, "Vary": "Accept-Language",
        ], body: html)
    }
    if relative == "metrics" {
      let model = try await StatusPageModel.load(config, state: context.state, now: now)
      let pending = try await context.state.keys(prefix: "outbox/pending/").count { !$0.hasSuffix("/") }
      return GatewayResponse(
        statusCode: 200,
        headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-cache"],
        body: MetricsExport.render(model, outboxPending: pending))
    }
    if relative == "api/status" {
      let model = try await StatusPageModel.load(config, state: context.state, now: now)
      return Self.json(200, model.statusJSON)
    }
    if relative.hasPrefix("api/history/") {
      guard let (function, name) = Self.split(relative.dropFirst("api/history/".count)) else {
        return Self.error(404, "use /api/history/<function>/<target>")
      }
      guard Self.shows(function, config) else {
        return Self.error(404, "no function '\(function)' on this page")
      }
      let loaded = try await StatusPageModel.load(function: function, state: context.state, now: now)
      guard let target = Self.find(name, in: loaded.targets) else {
        return Self.error(404, "no history for target '\(name.prefix(200))' of '\(function)'")
      }
      return Self.json(200, StatusPageModel.json(target, points: true))
    }
    if relative.hasPrefix("badge/"), relative.hasSuffix(".svg") {
      let inner = relative.dropFirst("badge/".count).dropLast(".svg".count)
      guard let (function, name) = Self.split(inner) else {
        return Self.error(404, "use /badge/<function>/<target>.svg")
      }
      guard Self.shows(function, config) else {
        return Self.error(404, "no function '\(function)' on this page")
      }
      let loaded = try await StatusPageModel.load(function: function, state: context.state, now: now)
      guard let target = Self.find(name, in: loaded.targets) else {
        return Self.error(404, "no history for target '\(name.prefix(200))' of '\(function)'")
      }
      let label = request.queryString["label"] ?? target.name
      let svg: String
      if let window = request.queryString["uptime"] {
        let paths: [String: KeyPath<TargetHistory.Uptime, Double?>] = [
          "24h": \.day, "7d": \.week, "30d": \.month, "90d": \.quarter,
        ]
        guard let path = paths[window] else { return Self.error(400, "uptime is one of 24h, 7d, 30d, 90d") }
        let share = target.uptime(path)
        svg = StatusBadge.svg(
          label: "\(label) \(window)", message: StatusPageHTML.percent(share),
          colour: StatusBadge.colour(share: share))
      } else {
        svg = StatusBadge.svg(
          label: label, message: target.state.rawValue, colour: StatusBadge.colour(target.state))
      }
      return GatewayResponse(
        statusCode: 200, headers: ["Content-Type": "image/svg+xml", "Cache-Control": "max-age=60"], body: svg)
    }
    return Self.error(
      404,
      "no page '\(relative.prefix(200))'; try /, /api/status, /api/history/<function>/<target>, /badge/<function>/<target>.svg"
    )
  }

  /// `<function>/<target>`: the target keeps its own slashes (`https://…`).
  static func split(_ text: Substring) -> (String, String)? {
    guard let slash = text.firstIndex(of: "/") else { return nil }
    let function = String(text[..<slash])
    let target = String(text[text.index(after: slash)...])
    guard !function.isEmpty, !target.isEmpty else { return nil }
    return (function, target)
  }

  static func shows(_ function: String, _ config: StatusPageConfig) -> Bool {
    config.functions.map { $0.contains(function) } ?? true
  }

  /// The target by name; a path whose `//` a client collapsed (`https:/example.com`) finds it too.
  static func find(_ name: String, in targets: [StatusPageModel.Target]) -> StatusPageModel.Target? {
    func collapsed(_ text: String) -> String { text.split(separator: "/").joined(separator: "/") }
    return targets.first { $0.name == name } ?? targets.first { collapsed($0.name) == collapsed(name) }
  }

  static func json(_ status: Int, _ value: JSONValue) -> GatewayResponse {
    GatewayResponse(
      statusCode: status,
      headers: [
        "Content-Type": "application/json", "Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*",
      ],
      body: value.encodedString())
  }

  static func error(_ status: Int, _ message: String, headers: [String: String] = [:]) -> GatewayResponse {
    var response = json(status, .object(["error": .string(message)]))
    response.headers.merge(headers) { _, new in new }
    return response
  }
}
