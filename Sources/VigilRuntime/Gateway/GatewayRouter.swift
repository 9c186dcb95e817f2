import VigilCore
import VigilCron

/// The `apigw` endpoints of serverless.yml, matched against request paths: `/heartbeat/{host}` binds `host`,
/// `/files/{path+}` binds the rest of the path.
package struct GatewayRouter: Sendable {
  package struct Route: Sendable, Hashable {
    package var function: String
    package var method: String
    package var template: String
    var segments: [Segment]
  }

  enum Segment: Sendable, Hashable {
    case literal(String)
    case parameter(String)
    case greedy(String)
  }

  package enum Match: Sendable {
    case found(Route, parameters: [String: String])
    /// The path exists for other methods.
    case methodNotAllowed(allowed: [String])
    case notFound
  }

  package let routes: [Route]

  package init(config: ServerlessConfig) {
    routes = config.functions.flatMap { function in
      function.routes.map { route in
        Route(
          function: function.name, method: route.method, template: route.path,
          segments: route.path.split(separator: "/").map { part in
            guard part.hasPrefix("{"), part.hasSuffix("}") else { return .literal(String(part)) }
            let name = String(part.dropFirst().dropLast())
            return name.hasSuffix("+") ? .greedy(String(name.dropLast())) : .parameter(name)
          })
      }
    }
  }

  package func match(method: String, path: String) -> Match {
    let parts = path.split(separator: "/").map { HTTPRequestHead.percentDecoded(String($0)) }
    var allowed: [String] = []
    for route in routes {
      guard let parameters = Self.bind(route.segments, to: parts) else { continue }
      if route.method == "ANY" || route.method == method.uppercased()
        || (route.method == "GET" && method.uppercased() == "HEAD")
      {
        return .found(route, parameters: parameters)
      }
      allowed.append(route.method)
    }
    return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
  }

  static func bind(_ segments: [Segment], to parts: [String]) -> [String: String]? {
    var parameters: [String: String] = [:]
    for (index, segment) in segments.enumerated() {
      switch segment {
      case .greedy(let name):
        guard index < parts.count else { return nil }
        parameters[name] = parts[index...].joined(separator: "/")
        return parameters
      case .literal(let text):
        guard index < parts.count, parts[index] == text else { return nil }
      case .parameter(let name):
        guard index < parts.count, !parts[index].isEmpty else { return nil }
        parameters[name] = parts[index]
      }
    }
    return parts.count == segments.count ? parameters : nil
  }
}

/// `vigil serve`'s front: each HTTP request becomes an API-gateway event for the function whose endpoint it
/// matches, and the function's answer (`statusCode`, `headers`, `body`) becomes the HTTP response, as SCF's API
/// gateway and serverless-offline do. A function error is 502, a timeout 504, as gateways answer.
package struct GatewayFrontend: Sendable {
  package let invoker: LocalInvoker
  package let router: GatewayRouter

  package init(invoker: LocalInvoker) {
    self.invoker = invoker
    self.router = GatewayRouter(config: invoker.project.config)
  }

  package func respond(_ request: HTTPServerRequest) async -> HTTPServerResponse {
    let head = request.head
    switch router.match(method: head.method, path: head.path) {
    case .notFound:
      let known = router.routes.map { "\($0.method) \($0.template)" }.joined(separator: ", ")
      return .error(404, "no endpoint for \(head.method) \(head.path.prefix(200)); endpoints: \(known)")
    case .methodNotAllowed(let allowed):
      var response = HTTPServerResponse.error(
        405, "\(head.method) is not allowed here; use \(allowed.joined(separator: ", "))")
      response.headers.append(("Allow", allowed.joined(separator: ", ")))
      return response
    case .found(let route, let parameters):
      let requestID = RandomUUID.make()
      let event = Self.event(request, route: route, parameters: parameters, requestID: requestID)
      let outcome = await invoker.invoke(route.function, event: .gateway(event), requestID: requestID)
      var response = Self.response(outcome)
      response.headers.append(("X-Request-Id", requestID))
      return response
    }
  }

  /// The API-gateway event for a request (SCF's shape).
  static func event(
    _ request: HTTPServerRequest, route: GatewayRouter.Route, parameters: [String: String], requestID: String
  )
    -> GatewayEvent
  {
    var headers: [String: String] = [:]
    for header in request.head.headers {
      let name = header.name.lowercased()
      headers[name] = headers[name].map { "\($0), \(header.value)" } ?? header.value
    }
    let text = String(validating: request.body, as: UTF8.self)
    return GatewayEvent(
      httpMethod: request.head.method, path: request.head.path, headers: headers,
      queryString: request.head.query,
      pathParameters: parameters,
      body: request.body.isEmpty ? nil : (text ?? Base64.encode(request.body)),
      isBase64Encoded: !request.body.isEmpty && text == nil,
      requestContext: .object([
        "requestId": .string(requestID), "sourceIp": .string(request.remoteAddress),
        "stage": .string("local"),
        "path": .string(route.template), "httpMethod": .string(request.head.method),
      ]))
  }

  /// The function's answer as HTTP: a gateway-shaped result as it says, anything else as 200 JSON.
  static func response(_ outcome: LocalInvoker.Outcome) -> HTTPServerResponse {
    switch outcome.result {
    case .failure(let failure):
      let status = failure.errorType == "TimeoutError" ? 504 : 502
      return HTTPServerResponse(
        status: status, headers: [("Content-Type", "application/json")],
        body: Array(
          JSONValue.object([
            "errorType": .string(failure.errorType), "errorMessage": .string(failure.errorMessage),
            "requestId": .string(outcome.requestID),
          ]).encodedString().utf8))
    case .success(let output):
      // A handler that answers as a gateway function (heartbeat-ingest) is read as it is; a JSON result of the
      // same shape is recognised too; anything else is a 200 with its JSON.
      guard let gateway = (output.value as? GatewayResponse) ?? Self.gatewayShaped(output),
        (100...599).contains(gateway.statusCode)
      else {
        return HTTPServerResponse(
          status: 200, headers: [("Content-Type", "application/json")],
          body: Array((try? output.encoded()) ?? [UInt8]()))
      }
      let body =
        gateway.isBase64Encoded
        ? Array(Base64.decode(gateway.body) ?? [UInt8]()) : Array(gateway.body.utf8)
      return HTTPServerResponse(
        status: gateway.statusCode,
        headers: gateway.headers.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 },
        body: body)
    }
  }

  /// A result JSON with a numeric `statusCode`, read as a gateway answer.
  static func gatewayShaped(_ output: HandlerOutput) -> GatewayResponse? {
    guard let json = try? output.json, let status = json["statusCode"]?.intValue else { return nil }
    var headers: [String: String] = [:]
    for (name, value) in json["headers"]?.objectValue ?? [:] {
      if let text = value.stringValue { headers[name] = text }
    }
    var gateway = GatewayResponse(
      statusCode: Int(status), headers: headers, body: json["body"]?.stringValue ?? "")
    gateway.isBase64Encoded = json["isBase64Encoded"] == .bool(true)
    return gateway
  }
}
