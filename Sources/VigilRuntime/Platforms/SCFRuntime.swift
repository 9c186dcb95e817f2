import VigilCore
import VigilCron
import VigilNet

/// Tencent SCF's Custom Runtime loop: `POST /runtime/init/ready` once, then `next` → invoke → `response` or
/// `error` (no request id in the path; `request_id`, `memory_limit_in_mb`, `time_limit_in_ms` headers on
/// `next`; any 2xx accepted). The context's identity comes from SCF's environment.
package struct SCFRuntime: Sendable {
  let base: String
  let transport: any HTTPTransport
  let logger: Logger

  /// `host` and `port` are `SCF_RUNTIME_API` and `SCF_RUNTIME_API_PORT`.
  package init(
    host: String, port: String, transport: any HTTPTransport = LoopbackHTTPClient(), logger: Logger
  ) {
    self.base = "http://\(host):\(port)"
    self.transport = transport
    self.logger = logger
  }

  /// Marks initialization done; tries three times, since SCF otherwise waits out the init timeout.
  package func ready() async throws(RuntimeLoopError) {
    var last = ""
    for attempt in 1...3 {
      do {
        let response = try await transport.send(
          HTTPRequest(url: "\(base)/runtime/init/ready", method: "POST", body: [UInt8](" ".utf8), timeout: 10)
        )
        if (200..<300).contains(response.status) { return }
        last = "answered \(response.status): \(String(decoding: response.body.prefix(200), as: UTF8.self))"
      } catch {
        last = "\(error)"
      }
      logger.warning("init/ready failed", ["attempt": String(attempt), "error": last])
      try? await Task.sleep(for: .milliseconds(200 * attempt))
    }
    throw RuntimeLoopError("SCF's runtime API did not take init/ready at \(base): \(last)")
  }

  /// The platform facts SCF puts in the environment.
  static func platform(_ environment: [String: String], memory: Int?, timeLimitMs: Double?)
    -> LocalInvoker.Platform
  {
    var extra: [String: String] = [:]
    for key in ["TENCENTCLOUD_APPID", "TENCENTCLOUD_UIN", "TENCENTCLOUD_REGION"] {
      extra[key] = environment[key]
    }
    return LocalInvoker.Platform(
      deadline: timeLimitMs.map { Instant().addingTimeInterval($0 / 1000) }, memoryLimitMB: memory,
      functionVersion: environment["SCF_FUNCTIONVERSION"], region: environment["TENCENTCLOUD_REGION"],
      namespace: environment["SCF_NAMESPACE"], environment: extra)
  }

  /// Serves invocations of `function` until the API goes away (or `limit` invocations, for tests).
  package func run(function: String, invoker: LocalInvoker, limit: Int? = nil) async throws(RuntimeLoopError)
  {
    var served = 0
    while limit.map({ served < $0 }) ?? true {
      let next = try await RuntimeInvocation.next("\(base)/runtime/invocation/next", transport: transport)
      guard (200..<300).contains(next.status) else {
        throw RuntimeLoopError(
          "invocation/next answered \(next.status): \(String(decoding: next.body.prefix(200), as: UTF8.self))"
        )
      }
      served += 1
      let requestID =
        next.header("request_id").flatMap { $0.isEmpty ? nil : $0 } ?? RandomUUID.make()
      let platform = Self.platform(
        invoker.project.environment, memory: next.header("memory_limit_in_mb").flatMap { Int($0) },
        timeLimitMs: LocalInvoker.Platform.milliseconds(next.header("time_limit_in_ms")))
      switch await RuntimeInvocation.answer(
        next.body, function: function, requestID: requestID, platform: platform, invoker: invoker)
      {
      case .response(let body): await post("response", body)
      case .error(let type, let body):
        if type == "InvalidEventDataException" { logger.error("malformed event", ["requestId": requestID]) }
        await post("error", body)
      }
    }
  }

  private func post(_ kind: String, _ body: [UInt8]) async {
    let url = "\(base)/runtime/invocation/\(kind)"
    do {
      let response = try await transport.send(
        HTTPRequest(
          url: url, method: "POST", headers: [("Content-Type", "application/json")], body: body, timeout: 30))
      if !(200..<300).contains(response.status) {
        logger.error("SCF refused a result", ["url": url, "status": String(response.status)])
      }
    } catch {
      logger.error("cannot post a result to SCF", ["url": url, "error": "\(error)"])
    }
  }
}

/// Tencent SCF image functions: an HTTP server on port 9000 answering `POST /event-invoke` (body = the event,
/// up to 6 MiB as SCF allows; `X-Scf-*` headers = the context); the result is the response body. Every error has
/// one shape, `{errorType, errorMessage, stackTrace}`: 4xx for the caller's mistakes (a wrong path or method,
/// an unknown function, an event that is not JSON), 500 for the function's own failure.
package struct SCFImageFrontend: Sendable {
  package let invoker: LocalInvoker
  package let defaultFunction: String?

  package init(invoker: LocalInvoker, defaultFunction: String?) {
    self.invoker = invoker
    self.defaultFunction = defaultFunction
  }

  /// The HTTP server's limits for image mode: events as large as SCF sends.
  package static var limits: HTTPServer.Limits {
    var limits = HTTPServer.Limits()
    limits.maxBodyBytes = InvocationEvent.maximumBytes
    return limits
  }

  private static func failure(_ status: Int, _ type: String, _ message: String, requestID: String? = nil)
    -> HTTPServerResponse
  {
    var headers = [("Content-Type", "application/json")]
    if let requestID { headers.append(("X-Scf-Request-Id", requestID)) }
    return HTTPServerResponse(
      status: status, headers: headers, body: Array(LambdaRuntime.errorBody(type: type, message: message)))
  }

  package func respond(_ request: HTTPServerRequest) async -> HTTPServerResponse {
    guard request.head.path == "/event-invoke" else {
      return Self.failure(404, "NotFound", "SCF image functions are invoked with POST /event-invoke")
    }
    guard request.head.method == "POST" else {
      return Self.failure(405, "MethodNotAllowed", "use POST /event-invoke")
    }
    let head = request.head
    let names = invoker.project.config.allFunctionNames
    guard
      let function = head.header("X-Scf-Name").flatMap({
        FunctionSelection.match($0, names: names, config: invoker.project.config)
      })
        ?? defaultFunction
    else {
      return Self.failure(
        404, "FunctionNotFound",
        "no function of serverless.yml matches X-Scf-Name '\((head.header("X-Scf-Name") ?? "").excerpt())'")
    }
    let requestID =
      head.header("X-Scf-Request-Id").flatMap { $0.isEmpty ? nil : $0 } ?? RandomUUID.make()
    let event: InvocationEvent
    do {
      event = InvocationEvent(
        json: request.body.isEmpty ? .object([:]) : try JSONValue.parse([UInt8](request.body)))
    } catch {
      Logger(sink: invoker.sink, metadata: ["component": "runtime"]).error(
        "malformed event", ["requestId": requestID, "error": "\(error)"])
      return Self.failure(
        400, "InvalidEventDataException", "the event is not JSON: \(error)", requestID: requestID)
    }
    var platform = LocalInvoker.Platform(
      deadline: LocalInvoker.Platform.milliseconds(head.header("X-Scf-Timeout")).map {
        Instant().addingTimeInterval($0 / 1000)
      },
      memoryLimitMB: head.header("X-Scf-Memory").flatMap { Int($0) },
      functionVersion: head.header("X-Scf-Version"),
      region: head.header("X-Scf-Region"), namespace: head.header("X-Scf-Namespace"))
    for (header, variable) in [("X-Scf-Appid", "TENCENTCLOUD_APPID"), ("X-Scf-Uin", "TENCENTCLOUD_UIN")] {
      if let value = head.header(header) { platform.environment[variable] = value }
    }
    let headers = [("Content-Type", "application/json"), ("X-Scf-Request-Id", requestID)]
    switch await RuntimeInvocation.answer(
      event, function: function, requestID: requestID, platform: platform, invoker: invoker)
    {
    case .response(let body): return HTTPServerResponse(status: 200, headers: headers, body: Array(body))
    case .error(let type, let body):
      // An event the function cannot read is the caller's mistake; anything else is the function's failure.
      let status = ["InvalidEventDataException", "EventError"].contains(type) ? 400 : 500
      return HTTPServerResponse(status: status, headers: headers, body: Array(body))
    }
  }
}
