import Dispatch
import Synchronization
import VigilCore
import VigilCron

#if canImport(Glibc)
  import Glibc
#endif
/// A request as the server hands it to its handler.
package struct HTTPServerRequest: Sendable {
  package var head: HTTPRequestHead
  package var body: [UInt8]
  /// The peer's address (`127.0.0.1`).
  package var remoteAddress: String
}

/// An answer.
package struct HTTPServerResponse: Sendable {
  package var status: Int
  package var headers: [(name: String, value: String)]
  package var body: [UInt8]

  package init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  /// A JSON answer `{"error": message}`.
  package static func error(_ status: Int, _ message: String) -> HTTPServerResponse {
    HTTPServerResponse(
      status: status, headers: [("Content-Type", "application/json")],
      body: Array(JSONValue.object(["error": .string(message)]).encodedString().utf8))
  }
}

/// A small, careful HTTP/1.1 server on POSIX sockets: bounded head and body sizes, a deadline for the whole
/// head (slowloris) and the body, keep-alive with an idle timeout, pipelining, a connection cap answered with
/// 503, a clear 4xx for malformed requests, and a graceful stop that lets in-flight requests finish.
///
/// Each connection has its own small thread (blocking reads with `poll` deadlines); handlers run as Swift
/// tasks. That keeps one slow client from touching any other.
package final class HTTPServer: Sendable {
  /// Bounds on what one client may send or hold.
  package struct Limits: Sendable {
    package var maxHeadBytes = 16 * 1024
    package var maxBodyBytes = 1 << 20
    /// The whole request head must arrive within this, once its first byte has.
    package var headTimeout: Double = 10
    /// The body must arrive within this.
    package var bodyTimeout: Double = 30
    /// A kept-alive connection with no new request is closed after this.
    package var idleTimeout: Double = 15
    package var maxConnections = 1024
    package init() {}
  }

  package let port: Int
  let limits: Limits
  /// Owned by the accept loop, which closes it when it ends (`stop` only shuts it down, so the number is
  /// never reused while the loop can still poll it).
  private let listener: FileDescriptor
  private let handler: @Sendable (HTTPServerRequest) async -> HTTPServerResponse
  // Atomics, not a lock: every connection's thread reads them per request and per poll slice, and a lock
  // shared by hundreds of threads costs more in spinning than the requests themselves.
  private let stoppingFlag = Atomic(false)
  private let connections = Atomic(0)

  /// Binds `host:port` (port 0: any free port, see `port`) and starts accepting.
  package init(
    host: String = "127.0.0.1", port: Int, limits: Limits = Limits(),
    handler: @escaping @Sendable (HTTPServerRequest) async -> HTTPServerResponse
  ) throws {
    self.limits = limits
    self.handler = handler
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard descriptor >= 0 else { throw HTTPServerError("socket: \(String(cString: strerror(errno)))") }
    var one: Int32 = 1
    setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
      close(descriptor)
      throw HTTPServerError("'\(host)' is not an IPv4 address")
    }
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, listen(descriptor, 1024) == 0 else {
      let reason = String(cString: strerror(errno))
      close(descriptor)
      throw HTTPServerError("cannot listen on \(host):\(port): \(reason)")
    }
    var actual = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &actual) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    self.port = Int(UInt16(bigEndian: actual.sin_port))
    self.listener = FileDescriptor(descriptor)
    NativeThread.start { [self] in acceptLoop() }
  }

  /// Connections open now.
  package var openConnections: Int { connections.load(ordering: .acquiring) }

  /// Stops accepting, closes idle connections, and waits up to `grace` seconds for in-flight requests
  /// (which answer with `Connection: close`). Returns whether everything finished in time.
  @discardableResult
  package func stop(grace: Double = 10) async -> Bool {
    let first = !stoppingFlag.exchange(true, ordering: .acquiringAndReleasing)
    if first { shutdown(listener.raw, Int32(SHUT_RDWR)) }
    let deadline = Instant().addingTimeInterval(grace)
    while Instant() < deadline {
      if openConnections == 0 { return true }
      try? await Task.sleep(for: .milliseconds(20))
    }
    return openConnections == 0
  }

  /// Whether a stop has begun (no new connections; answers in flight say `Connection: close`).
  package var stopping: Bool { stoppingFlag.load(ordering: .acquiring) }

  private func acceptLoop() {
    while !stopping {
      var poller = pollfd(fd: listener.raw, events: Int16(POLLIN), revents: 0)
      guard poll(&poller, 1, 200) > 0 else { continue }
      var peer = sockaddr_in()
      var length = socklen_t(MemoryLayout<sockaddr_in>.size)
      let client = withUnsafeMutablePointer(to: &peer) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listener.raw, $0, &length) }
      }
      guard client >= 0 else { continue }
      _ = fcntl(client, F_SETFD, FD_CLOEXEC)
      var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
      inet_ntop(AF_INET, &peer.sin_addr, &text, socklen_t(INET_ADDRSTRLEN))
      let remote = String(cBuffer: text)
      // Only this loop adds connections: the check and the add cannot be overtaken.
      let admitted = openConnections < limits.maxConnections && !stopping
      if admitted { connections.add(1, ordering: .acquiringAndReleasing) }
      guard admitted else {
        let connection = Connection(descriptor: client)
        connection.write(
          Self.encode(.error(503, "too many connections; try again shortly"), keepAlive: false))
        connection.close()
        continue
      }
      NativeThread.start { [self] in
        serve(Connection(descriptor: client), remote: remote)
        connections.subtract(1, ordering: .acquiringAndReleasing)
      }
    }
    listener.close()
  }

  /// One connection: requests until close, error, idle timeout or stop.
  private func serve(_ connection: Connection, remote: String) {
    defer { connection.close() }
    var buffer: [UInt8] = []
    while true {
      // The head: wait (idle) for a first byte, then the whole head within headTimeout.
      var headEnd = Self.headEnd(in: buffer)
      if headEnd == nil {
        if buffer.isEmpty {
          switch connection.waitReadable(timeout: limits.idleTimeout, stop: { self.stopping }) {
          case .ready: break
          case .timeout, .stopped, .failed: return
          }
        }
        let deadline = Instant().addingTimeInterval(limits.headTimeout)
        while headEnd == nil {
          if buffer.count > limits.maxHeadBytes {
            connection.write(
              Self.encode(.error(431, "request head over \(limits.maxHeadBytes) bytes"), keepAlive: false))
            return
          }
          switch connection.read(into: &buffer, until: deadline) {
          case .ready: headEnd = Self.headEnd(in: buffer)
          case .timeout:
            connection.write(
              Self.encode(
                .error(408, "request head not received within \(Int(limits.headTimeout)) s"), keepAlive: false
              ))
            return
          case .stopped, .failed: return
          }
        }
      }
      guard let end = headEnd else { return }
      if end.head > limits.maxHeadBytes {
        connection.write(
          Self.encode(.error(431, "request head over \(limits.maxHeadBytes) bytes"), keepAlive: false))
        return
      }
      let head: HTTPRequestHead
      let length: Int
      do {
        head = try HTTPRequestHead.parse(buffer[..<end.head])
        length = try head.contentLength()
      } catch {
        connection.write(Self.encode(.error(error.status, error.reason), keepAlive: false))
        return
      }
      buffer.removeFirst(end.next)
      guard length <= limits.maxBodyBytes else {
        connection.write(Self.encode(.error(413, "body over \(limits.maxBodyBytes) bytes"), keepAlive: false))
        return
      }
      if length > buffer.count, head.header("Expect")?.lowercased() == "100-continue" {
        connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
      }
      let deadline = Instant().addingTimeInterval(limits.bodyTimeout)
      while buffer.count < length {
        switch connection.read(into: &buffer, until: deadline) {
        case .ready: continue
        case .timeout:
          connection.write(
            Self.encode(
              .error(408, "body not received within \(Int(limits.bodyTimeout)) s"), keepAlive: false))
          return
        case .stopped, .failed: return
        }
      }
      let body = Array(buffer.prefix(length))
      buffer.removeFirst(length)
      let response = Self.wait(handler, HTTPServerRequest(head: head, body: body, remoteAddress: remote))
      let keepAlive = head.keepAlive && !stopping
      guard connection.write(Self.encode(response, keepAlive: keepAlive, head: head.method == "HEAD")),
        keepAlive
      else { return }
    }
  }

  /// Runs the async handler on this plain thread (its jobs, between the waits) and returns its answer.
  static func wait(
    _ handler: @escaping @Sendable (HTTPServerRequest) async -> HTTPServerResponse,
    _ request: HTTPServerRequest
  ) -> HTTPServerResponse {
    let executor = ThreadRunExecutor()
    let result = Mutex<HTTPServerResponse?>(nil)
    Task(executorPreference: executor) {
      let response = await handler(request)
      result.withLock { $0 = response }
      executor.finish()
    }
    executor.runUntilFinished()
    return result.withLock { $0 } ?? .error(500, "no answer")
  }

  /// Where the head ends (`\r\n\r\n` or `\n\n`): its length and where the body starts.
  static func headEnd(in buffer: [UInt8]) -> (head: Int, next: Int)? {
    var index = 0
    while index < buffer.count {
      if buffer[index] == 10 {
        if index + 1 < buffer.count, buffer[index + 1] == 10 { return (index, index + 2) }
        if index + 2 < buffer.count, buffer[index + 1] == 13, buffer[index + 2] == 10 {
          return (index, index + 3)
        }
      }
      index += 1
    }
    return nil
  }

  static let reasons: [Int: String] = [
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout", 505: "HTTP Version Not Supported",
  ]

  /// The answer's bytes; header names and values lose any line break (no response splitting).
  static func encode(_ response: HTTPServerResponse, keepAlive: Bool, head: Bool = false) -> [UInt8] {
    var text = "HTTP/1.1 \(response.status) \(reasons[response.status] ?? "Status")\r\n"
    for header in response.headers {
      let name = header.name.lowercased()
      if name == "content-length" || name == "connection" || name == "transfer-encoding" { continue }
      text += "\(header.name.removingLineBreaks): \(header.value.removingLineBreaks)\r\n"
    }
    text +=
      "Content-Length: \(response.body.count)\r\nConnection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
    return Array(text.utf8) + (head ? [] : response.body)
  }
}

/// Why the server could not start.
package struct HTTPServerError: Error, Sendable, CustomStringConvertible {
  package var description: String
  init(_ description: String) { self.description = description }
}

/// One accepted socket; used by one thread only, which owns it and closes it once.
final class Connection {
  enum Wait { case ready, timeout, stopped, failed }

  private let owned: FileDescriptor
  private var descriptor: Int32 { owned.raw }

  init(descriptor: Int32) {
    self.owned = FileDescriptor(descriptor)
    var one: Int32 = 1
    setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
  }

  /// Waits for bytes, in short slices so that a stop is noticed.
  func waitReadable(timeout: Double, stop: () -> Bool) -> Wait {
    let deadline = Instant().addingTimeInterval(timeout)
    while true {
      if stop() { return .stopped }
      let left = deadline.timeIntervalSinceNow
      if left <= 0 { return .timeout }
      var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
      let ready = poll(&poller, 1, min(left, 0.2).clampedMilliseconds + 1)
      if ready > 0 { return .ready }
      if ready < 0 && errno != EINTR { return .failed }
    }
  }

  /// Reads what is there (waiting until `deadline`) and appends it.
  func read(into buffer: inout [UInt8], until deadline: Instant) -> Wait {
    let left = deadline.timeIntervalSinceNow
    if left <= 0 { return .timeout }
    var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    let ready = poll(&poller, 1, min(left, 86_400).clampedMilliseconds + 1)
    if ready == 0 { return .timeout }
    if ready < 0 { return errno == EINTR ? .ready : .failed }
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
    if count <= 0 { return count < 0 && errno == EINTR ? .ready : .failed }
    buffer += chunk.prefix(count)
    return .ready
  }

  /// Writes everything; false when the peer went away.
  @discardableResult
  func write(_ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes {
        send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      if written < 0 {
        if errno == EINTR { continue }
        return false
      }
      offset += written
    }
    return true
  }

  func close() {
    if !owned.isClosed { shutdown(descriptor, Int32(SHUT_RDWR)) }
    owned.close()
  }
}
