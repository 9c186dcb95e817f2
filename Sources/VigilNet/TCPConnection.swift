import Dispatch
import Synchronization
import VigilCore

#if canImport(Glibc)
  import Glibc
#endif
/// Why a TCP exchange failed.
package enum TCPError: Error, Sendable, Hashable, CustomStringConvertible {
  case resolve(host: String, detail: String)
  case connect(address: String, detail: String)
  case timeout(address: String, phase: String, seconds: Double)
  case closed(address: String, detail: String)
  case io(address: String, detail: String)
  case tls(address: String, detail: String)

  package var description: String {
    switch self {
    case .resolve(let host, let detail): return "cannot resolve \(host): \(detail)"
    case .connect(let address, let detail): return "cannot connect to \(address): \(detail)"
    case .timeout(let address, let phase, let seconds): return "\(address): no \(phase) within \(seconds) s"
    case .closed(let address, let detail): return "\(address) closed the connection \(detail)"
    case .io(let address, let detail): return "\(address): \(detail)"
    case .tls(let address, let detail): return "\(address): TLS: \(detail)"
    }
  }
}

/// A connection carrying length-prefixed frames (Kafka): plain TCP or TLS.
package protocol FrameStream: Sendable {
  /// `host:port`, for messages.
  var address: String { get }
  /// Sends `request` and reads one length-prefixed (4-byte big-endian) frame back, at most `maxFrame` bytes.
  func exchangeFrame(_ request: [UInt8], maxFrame: Int) async throws(TCPError) -> [UInt8]
}

/// The primitives a frame exchange needs: sends and reads that wait at most the stream's I/O timeout, and a
/// way to run them with the stream to itself, off Swift's cooperative pool.
protocol ByteStream: Sendable {
  var address: String { get }
  func sendAll(_ bytes: [UInt8]) throws(TCPError)
  func receiveExactly(_ count: Int) throws(TCPError) -> [UInt8]
  func exclusive<T: Sendable>(_ body: @escaping @Sendable (Self) -> T) async -> T
}

extension ByteStream {
  /// One frame exchange with the stream to itself, off the pool: what `FrameStream.exchangeFrame` does.
  func exchangeExclusively(_ request: [UInt8], maxFrame: Int) async throws(TCPError) -> [UInt8] {
    try await exclusive { stream in
      Result { () throws(TCPError) in try stream.exchange(request, maxFrame: maxFrame) }
    }.get()
  }
}

extension ByteStream {
  /// One request, one length-prefixed answer, with the frame size bounded before anything is allocated.
  func exchange(_ request: [UInt8], maxFrame: Int) throws(TCPError) -> [UInt8] {
    try sendAll(request)
    let header = try receiveExactly(4)
    let size = Int(
      Int32(
        bitPattern: UInt32(header[0]) << 24 | UInt32(header[1]) << 16 | UInt32(header[2]) << 8
          | UInt32(header[3])))
    guard size >= 0, size <= maxFrame else {
      throw TCPError.io(address: address, detail: "frame of \(size) bytes is out of bounds (max \(maxFrame))")
    }
    return try receiveExactly(size)
  }
}

/// A plain TCP connection with connect and read timeouts, for binary protocols (Kafka). Blocking calls run as
/// `BlockingWork`; one exchange at a time.
package final class TCPConnection: FrameStream, ByteStream {
  package let address: String
  private let owned: FileDescriptor
  private var descriptor: Int32 { owned.raw }
  private let ioTimeout: Double
  private let lock = Mutex<Void>(())

  private init(address: String, descriptor: Int32, ioTimeout: Double) {
    self.address = address
    self.owned = FileDescriptor(descriptor)
    self.ioTimeout = ioTimeout
  }

  /// Connects to `host:port` within `connectTimeout`; later reads wait at most `ioTimeout`.
  package static func connect(host: String, port: Int, connectTimeout: Double, ioTimeout: Double)
    async throws(TCPError) -> TCPConnection
  {
    let result: Result<TCPConnection, TCPError> = await BlockingWork.run("vigil.tcp.connect") {
      Result { () throws(TCPError) in
        try open(host: host, port: port, connectTimeout: connectTimeout, ioTimeout: ioTimeout)
      }
    }
    return try result.get()
  }

  private static func open(host: String, port: Int, connectTimeout: Double, ioTimeout: Double)
    throws(TCPError) -> TCPConnection
  {
    let address = "\(host):\(port)"
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, String(port), &hints, &list)
    guard status == 0, let first = list else {
      throw .resolve(host: host, detail: String(cString: gai_strerror(status)))
    }
    defer { freeaddrinfo(list) }
    let descriptor = socket(
      first.pointee.ai_family, first.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
      first.pointee.ai_protocol)
    guard descriptor >= 0 else { throw .connect(address: address, detail: String(cString: strerror(errno))) }
    let flags = fcntl(descriptor, F_GETFL)
    _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
    if Glibc.connect(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 && errno != EINPROGRESS
    {
      let detail = String(cString: strerror(errno))
      close(descriptor)
      throw .connect(address: address, detail: detail)
    }
    var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
    let ready = poll(&poller, 1, connectTimeout.clampedMilliseconds)
    if ready == 0 {
      close(descriptor)
      throw .timeout(address: address, phase: "connection", seconds: connectTimeout)
    }
    var error: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
    if ready < 0 || error != 0 {
      let detail = String(cString: strerror(error != 0 ? error : errno))
      close(descriptor)
      throw .connect(address: address, detail: detail)
    }
    _ = fcntl(descriptor, F_SETFL, flags)
    var one: Int32 = 1
    setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    return TCPConnection(address: address, descriptor: descriptor, ioTimeout: ioTimeout)
  }

  func sendAll(_ bytes: [UInt8]) throws(TCPError) {
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes {
        Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      if written < 0 {
        if errno == EINTR { continue }
        throw .io(address: address, detail: "send failed: \(String(cString: strerror(errno)))")
      }
      offset += written
    }
  }

  /// Whatever arrives next (at least one byte, at most `limit`), waiting at most the I/O timeout.
  func receiveSome(limit: Int) throws(TCPError) -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: limit)
    while true {
      var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
      let ready = poll(&poller, 1, ioTimeout.clampedMilliseconds)
      if ready == 0 { throw .timeout(address: address, phase: "answer", seconds: ioTimeout) }
      if ready < 0 {
        if errno == EINTR { continue }
        throw .io(address: address, detail: String(cString: strerror(errno)))
      }
      let read = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
      if read == 0 { throw .closed(address: address, detail: "before the answer was complete") }
      if read < 0 {
        if errno == EINTR { continue }
        throw .io(address: address, detail: "receive failed: \(String(cString: strerror(errno)))")
      }
      return Array(buffer.prefix(read))
    }
  }

  /// Sends `request` and reads a length-prefixed (4-byte big-endian) frame back, at most `maxFrame` bytes.
  package func exchangeFrame(_ request: [UInt8], maxFrame: Int = 64 << 20) async throws(TCPError) -> [UInt8] {
    try await exchangeExclusively(request, maxFrame: maxFrame)
  }

  /// Runs `body` with this connection to itself (one exchange at a time), as blocking work off the pool.
  func exclusive<T: Sendable>(_ body: @escaping @Sendable (TCPConnection) -> T) async -> T {
    await BlockingWork.run("vigil.tcp.exchange") { self.lock.withLock { _ in body(self) } }
  }

  func receiveExactly(_ count: Int) throws(TCPError) -> [UInt8] {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(count)
    while buffer.count < count {
      do {
        buffer += try receiveSome(limit: min(count - buffer.count, 1 << 20))
      } catch {
        if case .closed = error {
          throw .closed(address: address, detail: "after \(buffer.count) of \(count) bytes (mid-frame)")
        }
        throw error
      }
    }
    return buffer
  }
}
