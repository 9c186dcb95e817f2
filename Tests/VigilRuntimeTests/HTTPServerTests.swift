import Foundation
import TestSupport
import Testing
import VigilCore

@testable import VigilRuntime

/// Opens a loopback connection, sends `bytes`, reads until `responses` complete answers (or close, or 30 s: on a
/// loaded machine the handlers wait for a free thread of the cooperative pool).
func exchange(port: Int, _ bytes: String, responses: Int = 1, pause: Double = 0) async throws -> String {
  try await offPool {
    let descriptor = loopbackConnection(port: port)
    guard descriptor >= 0 else { throw PeerProcess.PeerError(message: "connect failed") }
    defer { close(descriptor) }
    var timeout = timeval(tv_sec: 30, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    _ = Array(bytes.utf8).withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
    if pause > 0 { usleep(UInt32(pause * 1_000_000)) }
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while String(decoding: received, as: UTF8.self).components(separatedBy: "HTTP/1.1 ").count - 1 < responses
      || !HTTPServerTests.complete(received, responses: responses)
    {
      let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
      if count <= 0 { break }
      received += chunk.prefix(count)
    }
    return String(decoding: received, as: UTF8.self)
  }
}

@Suite struct HTTPServerTests {
  /// Whether `responses` answers with their Content-Length bodies are all in.
  static func complete(_ bytes: [UInt8], responses: Int) -> Bool {
    var text = Substring(String(decoding: bytes, as: UTF8.self))
    for _ in 0..<responses {
      guard let end = text.range(of: "\r\n\r\n") else { return false }
      let head = text[..<end.lowerBound]
      let length =
        head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
        .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
      let bodyStart = end.upperBound
      guard text.distance(from: bodyStart, to: text.endIndex) >= length else { return false }
      text = text[text.index(bodyStart, offsetBy: length)...]
    }
    return true
  }

  func server(limits: HTTPServer.Limits = HTTPServer.Limits(), delay: Double = 0) throws -> HTTPServer {
    try HTTPServer(port: 0, limits: limits) { request in
      if delay > 0 { try? await Task.sleep(for: .milliseconds(Int(delay * 1000))) }
      return HTTPServerResponse(
        status: 200, headers: [("Content-Type", "text/plain"), ("X-Evil", "a\r\nSet-Cookie: x=1")],
        body: Array("\(request.head.method) \(request.head.path) \(request.body.count)".utf8))
    }
  }

  @Test func headsParseStrictly() throws {
    let head = try HTTPRequestHead.parse(
      ArraySlice(
        Array("POST /heartbeat/web%2D01?a=1&b=x+y HTTP/1.1\r\nHost: h\r\nX-A:  v  \r\nContent-Length: 5".utf8)
      ))
    #expect(head.method == "POST")
    #expect(head.path == "/heartbeat/web%2D01")
    #expect(head.query == ["a": "1", "b": "x y"])
    #expect(head.header("x-a") == "v")
    #expect(try head.contentLength() == 5)
    #expect(head.keepAlive)
    let refusals: [(String, Int)] = [
      ("GET / HTTP/1.1", 400),  // no Host
      ("GET / HTTP/2.0\r\nHost: h", 505),
      ("GET  / HTTP/1.1\r\nHost: h", 400),
      ("GET http://x/ HTTP/1.1\r\nHost: h", 400),
      ("GET / HTTP/1.1\r\nHost: h\r\n folded", 400),
      ("GET / HTTP/1.1\r\nHost h", 400),
      ("GET / HTTP/1.1\r\nBad Name: v\r\nHost: h", 400),
    ]
    for (text, status) in refusals {
      #expect(throws: HTTPRequestHead.Refusal.self, "\(text)") {
        try HTTPRequestHead.parse(ArraySlice(Array(text.utf8)))
      }
      do { _ = try HTTPRequestHead.parse(ArraySlice(Array(text.utf8))) } catch {
        #expect(error.status == status, "\(text)")
      }
    }
    let twoLengths = try HTTPRequestHead.parse(
      ArraySlice(Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6".utf8)))
    #expect(throws: HTTPRequestHead.Refusal.self) { try twoLengths.contentLength() }
  }

  @Test func keepAlivePipeliningAndNoResponseSplitting() async throws {
    let server = try server()
    defer { Task { await server.stop(grace: 1) } }
    let answer = try await exchange(
      port: server.port,
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      responses: 3)
    #expect(answer.components(separatedBy: "HTTP/1.1 200 OK").count == 4, "\(answer)")
    #expect(answer.contains("GET /a 0"))
    #expect(answer.contains("POST /b 3"))
    #expect(answer.contains("Connection: close\r\n\r\nGET /c 0"))
    // A header value with a line break is flattened, never a second header.
    #expect(!answer.contains("\r\nSet-Cookie"))
  }

  @Test func expectContinueAndBodyLimits() async throws {
    var limits = HTTPServer.Limits()
    limits.maxBodyBytes = 10
    let server = try server(limits: limits)
    defer { Task { await server.stop(grace: 1) } }
    let continued = try await exchange(
      port: server.port, "POST /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n",
      pause: 0.1)
    #expect(continued.hasPrefix("HTTP/1.1 100 Continue\r\n\r\n"), "\(continued)")
    let tooBig = try await exchange(
      port: server.port, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n")
    #expect(tooBig.hasPrefix("HTTP/1.1 413 "), "\(tooBig)")
  }

  @Test func aFullServerSays503AndAStopLetsInFlightRequestsFinish() async throws {
    var limits = HTTPServer.Limits()
    limits.maxConnections = 1
    // The one request allowed is held in its handler until the test lets it go: the overlap is forced, not
    // timed.
    let entered = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    let server = try HTTPServer(port: 0, limits: limits) { request in
      entered.signal()
      await offPool { release.wait() }
      return HTTPServerResponse(status: 200, body: Array("\(request.head.path)".utf8))
    }
    async let slow = exchange(port: server.port, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    #expect(
      await offPool { entered.wait(timeout: .now() + 30) == .success }, "the first request never arrived")
    #expect(server.openConnections == 1)
    let refused = try await exchange(port: server.port, "GET /more HTTP/1.1\r\nHost: x\r\n\r\n")
    #expect(refused.hasPrefix("HTTP/1.1 503 "), "\(refused)")
    // The stop begins while the request is held; then it is let go and finishes within the grace period.
    let stopping = Task { await server.stop(grace: 30) }
    let began = await offPool { () -> Bool in
      let deadline = Date().addingTimeInterval(30)
      while !server.stopping && Date() < deadline { usleep(1_000) }
      return server.stopping
    }
    #expect(began, "the stop never began")
    release.signal()
    let finished = try await slow
    #expect(await stopping.value)
    #expect(finished.hasPrefix("HTTP/1.1 200 OK"), "\(finished)")
    #expect(finished.contains("Connection: close"), "\(finished)")
    #expect(server.openConnections == 0)
  }
}

@Suite struct GatewayFrontendTests {
  @Test func routesBindParametersAndRefuseOtherMethods() throws {
    let config = try ServerlessConfig.parse(
      """
      functions:
        ingest:
          handler: heartbeat-ingest
          events:
            - apigw: {parameters: {endpoints: [{path: '/heartbeat/{host}', method: POST}]}}
        files:
          handler: echo
          events:
            - apigw: {parameters: {endpoints: [{path: '/files/{path+}', method: GET}]}}
      """, file: "serverless.yml", directory: "/nonexistent", environment: [:])
    let router = GatewayRouter(config: config)
    guard case .found(let route, let parameters) = router.match(method: "POST", path: "/heartbeat/web%2D01")
    else {
      Issue.record("no match")
      return
    }
    #expect(route.function == "ingest")
    #expect(parameters == ["host": "web-01"])
    guard case .found(_, let greedy) = router.match(method: "HEAD", path: "/files/a/b/c.txt") else {
      Issue.record("no greedy match")
      return
    }
    #expect(greedy == ["path": "a/b/c.txt"])
    guard case .methodNotAllowed(let allowed) = router.match(method: "GET", path: "/heartbeat/x") else {
      Issue.record("expected 405")
      return
    }
    #expect(allowed == ["POST"])
    guard case .notFound = router.match(method: "POST", path: "/heartbeat/x/y") else {
      Issue.record("expected 404")
      return
    }
  }

  @Test func answersMapToHTTPAsGatewaysDo() {
    let gateway = GatewayResponse(statusCode: 201, headers: ["X-A": "1"], body: "{\"ok\":true}")
    let ok = GatewayFrontend.response(
      .init(requestID: "r", result: .success(HandlerOutput(value: gateway)), durationMs: 1))
    #expect(ok.status == 201)
    #expect(ok.headers.contains { $0.name == "X-A" && $0.value == "1" })
    #expect(String(decoding: ok.body, as: UTF8.self) == "{\"ok\":true}")
    let plain = GatewayFrontend.response(
      .init(
        requestID: "r", result: .success(HandlerOutput(value: JSONValue.object(["a": .int(1)]))),
        durationMs: 1))
    #expect(plain.status == 200)
    let timeout = GatewayFrontend.response(
      .init(
        requestID: "r",
        result: .failure(InvocationFailure(errorType: "TimeoutError", errorMessage: "late", requestId: "r")),
        durationMs: 1))
    #expect(timeout.status == 504)
    let failed = GatewayFrontend.response(
      .init(
        requestID: "r",
        result: .failure(InvocationFailure(errorType: "Boom", errorMessage: "x", requestId: "r")),
        durationMs: 1))
    #expect(failed.status == 502)
  }

  @Test func requestsBecomeSCFShapedEvents() {
    let head = HTTPRequestHead(
      method: "POST", target: "/heartbeat/web-01?x=1", version: "HTTP/1.1",
      headers: [("Host", "h"), ("X-Multi", "a"), ("x-multi", "b")])
    let route = GatewayRouter.Route(
      function: "f", method: "POST", template: "/heartbeat/{host}", segments: [])
    let event = GatewayFrontend.event(
      HTTPServerRequest(head: head, body: [0xFF, 0x00], remoteAddress: "10.1.2.3"), route: route,
      parameters: ["host": "web-01"], requestID: "rid")
    #expect(event.headers["x-multi"] == "a, b")
    #expect(event.queryString == ["x": "1"])
    #expect(event.isBase64Encoded)
    #expect(event.body == "/wA=")
    #expect(event.requestContext?["sourceIp"] == .string("10.1.2.3"))
    #expect(event.requestContext?["path"] == .string("/heartbeat/{host}"))
  }
}
