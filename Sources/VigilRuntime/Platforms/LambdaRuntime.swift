import VigilCore
import VigilCron
import VigilNet

/// Why a runtime loop stopped.
package struct RuntimeLoopError: Error, Sendable, CustomStringConvertible {
  package var description: String
  package init(_ description: String) { self.description = description }
}

/// The AWS Lambda Runtime API client loop (2018-06-01): `next` → invoke → `response` or `error`; init failures
/// go to `init/error`. Request id, deadline, function ARN and trace id come from the `next` headers; an
/// EventBridge scheduled event is decoded as a timer event.
package struct LambdaRuntime: Sendable {
  let base: String
  let transport: any HTTPTransport
  let logger: Logger

  /// `api` is `AWS_LAMBDA_RUNTIME_API` (`host:port`).
  package init(api: String, transport: any HTTPTransport = LoopbackHTTPClient(), logger: Logger) {
    self.base = "http://\(api)/2018-06-01"
    self.transport = transport
    self.logger = logger
  }

  /// Reports an initialization failure (before the first `next`), as the platform expects, then the caller exits.
  package func reportInitError(type: String, message: String) async {
    let body = Self.errorBody(type: type, message: message)
    do {
      let response = try await transport.send(
        HTTPRequest(
          url: "\(base)/runtime/init/error", method: "POST",
          headers: [
            ("Content-Type", "application/json"), ("Lambda-Runtime-Function-Error-Type", "Runtime.\(type)"),
          ],
          body: body, timeout: 10))
      if !(200..<300).contains(response.status) {
        logger.error("init/error was refused", ["status": String(response.status)])
      }
    } catch {
      logger.error("cannot report the init error", ["error": "\(error)"])
    }
  }

  /// Serves invocations of `function` until the API goes away (or `limit` invocations, for tests).
  package func run(function: String, invoker: LocalInvoker, limit: Int? = nil) async throws(RuntimeLoopError)
  {
    var served = 0
    while limit.map({ served < $0 }) ?? true {
      let next = try await RuntimeInvocation.next("\(base)/runtime/invocation/next", transport: transport)
      guard next.status == 200, let requestID = next.header("Lambda-Runtime-Aws-Request-Id"),
        !requestID.isEmpty
      else {
        throw RuntimeLoopError("invocation/next answered \(next.status) without a request id")
      }
      served += 1
      let deadline = LocalInvoker.Platform.milliseconds(next.header("Lambda-Runtime-Deadline-Ms")).map {
        Instant(timeIntervalSince1970: $0 / 1000)
      }
      let traceID = next.header("Lambda-Runtime-Trace-Id")
      var platform = LocalInvoker.Platform(
        deadline: deadline, invokedFunctionARN: next.header("Lambda-Runtime-Invoked-Function-Arn"),
        traceID: traceID,
        memoryLimitMB: invoker.project.environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"].flatMap { Int($0) },
        functionVersion: invoker.project.environment["AWS_LAMBDA_FUNCTION_VERSION"],
        region: invoker.project.environment["AWS_REGION"])
      if let traceID { platform.environment["_X_AMZN_TRACE_ID"] = traceID }
      let answer = await RuntimeInvocation.answer(
        next.body, function: function, requestID: requestID, platform: platform, invoker: invoker)
      switch answer {
      case .response(let body): await post("\(base)/runtime/invocation/\(requestID)/response", body)
      case .error(let type, let body):
        if type == "InvalidEventDataException" { logger.error("malformed event", ["requestId": requestID]) }
        await post("\(base)/runtime/invocation/\(requestID)/error", body, errorType: type)
      }
    }
  }

  private func post(_ url: String, _ body: [UInt8], errorType: String? = nil) async {
    var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
    if let errorType { headers.append(("Lambda-Runtime-Function-Error-Type", errorType)) }
    do {
      let response = try await transport.send(
        HTTPRequest(url: url, method: "POST", headers: headers, body: body, timeout: 30))
      if !(200..<300).contains(response.status) {
        logger.error(
          "the runtime API refused a result",
          [
            "url": url, "status": String(response.status),
            "answer": String(decoding: response.body.prefix(300), as: UTF8.self),
          ])
      }
    } catch {
      logger.error("cannot post a result to the runtime API", ["url": url, "error": "\(error)"])
    }
  }

  /// `{errorMessage, errorType, stackTrace}`, the shape Lambda documents.
  static func errorBody(type: String, message: String) -> [UInt8] {
    [UInt8](
      JSONValue.object([
        "errorMessage": .string(message), "errorType": .string(type), "stackTrace": .array([]),
      ]).encodedString().utf8)
  }
}

/// One invocation as every runtime loop answers it: the event decoded (a body that is not JSON is an
/// `InvalidEventDataException`, and the loop goes on), the function invoked, its result or error as bytes.
enum RuntimeInvocation {
  /// The next invocation: a long poll (the process may be frozen between invocations, so no practical timeout).
  static func next(_ url: String, transport: any HTTPTransport) async throws(RuntimeLoopError) -> HTTPResponse
  {
    do {
      return try await transport.send(HTTPRequest(url: url, timeout: 7 * 86_400, maxBodyBytes: 6 << 20))
    } catch {
      throw RuntimeLoopError("the runtime API is gone (\(url)): \(error)")
    }
  }

  enum Answer {
    case response([UInt8])
    case error(type: String, body: [UInt8])
  }

  static func answer(
    _ body: [UInt8], function: String, requestID: String, platform: LocalInvoker.Platform,
    invoker: LocalInvoker
  ) async -> Answer {
    let event: InvocationEvent
    do {
      event = InvocationEvent(json: try JSONValue.parse(body))
    } catch {
      let type = "InvalidEventDataException"
      return .error(
        type: type, body: LambdaRuntime.errorBody(type: type, message: "the event is not JSON: \(error)"))
    }
    return await answer(event, function: function, requestID: requestID, platform: platform, invoker: invoker)
  }

  /// The function invoked with a decoded event; its result, or its error in Lambda's shape.
  static func answer(
    _ event: InvocationEvent, function: String, requestID: String, platform: LocalInvoker.Platform,
    invoker: LocalInvoker
  ) async -> Answer {
    let outcome = await invoker.invoke(function, event: event, requestID: requestID, platform: platform)
    switch outcome.result {
    case .success(let output): return .response((try? output.encoded()) ?? [UInt8]("null".utf8))
    case .failure(let failure):
      return .error(
        type: failure.errorType,
        body: LambdaRuntime.errorBody(type: failure.errorType, message: failure.errorMessage))
    }
  }
}
