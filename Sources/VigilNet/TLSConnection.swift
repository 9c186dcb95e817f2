import CCurl
import Synchronization
import VigilCore

#if canImport(Glibc)
  import Glibc
#endif

/// A TLS connection for binary protocols (Kafka over SSL), opened by libcurl with `CONNECT_ONLY`: libcurl does
/// the TCP connect and the verified TLS handshake, then carries raw bytes with `curl_easy_send`/`curl_easy_recv`.
/// Certificate and host-name verification are on unless `insecure` (which the caller logs loudly).
package final class TLSConnection: FrameStream, ByteStream, @unchecked Sendable {
  // Safe: `handle` is created in init, used only under `lock` (one exchange at a time) and freed in deinit.
  package let address: String
  private let handle: UnsafeMutableRawPointer
  private let socket: curl_socket_t
  private let ioTimeout: Double
  private let lock = Mutex<Void>(())

  private init(address: String, handle: UnsafeMutableRawPointer, socket: curl_socket_t, ioTimeout: Double) {
    self.address = address
    self.handle = handle
    self.socket = socket
    self.ioTimeout = ioTimeout
  }

  deinit { curl_easy_cleanup(handle) }

  /// Connects to `host:port` and completes the TLS handshake within `connectTimeout`.
  /// - Parameters:
  ///   - caFile: a PEM bundle to trust instead of the system's.
  ///   - insecure: skip certificate and host-name verification.
  package static func connect(
    host: String, port: Int, connectTimeout: Double, ioTimeout: Double, caFile: String? = nil,
    insecure: Bool = false
  ) async throws(TCPError) -> TLSConnection {
    let result: Result<TLSConnection, TCPError> = await BlockingWork.run("vigil.tls.connect") {
      Result { () throws(TCPError) in
        try open(
          host: host, port: port, connectTimeout: connectTimeout, ioTimeout: ioTimeout, caFile: caFile,
          insecure: insecure)
      }
    }
    return try result.get()
  }

  private static func open(
    host: String, port: Int, connectTimeout: Double, ioTimeout: Double, caFile: String?, insecure: Bool
  ) throws(TCPError) -> TLSConnection {
    CurlGlobal.initialize()
    let address = "\(host):\(port)"
    guard let handle = curl_easy_init() else {
      throw .connect(address: address, detail: "curl_easy_init failed")
    }
    var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    let urlHost = host.contains(":") ? "[\(host)]" : host
    ccurl_setopt_string(handle, CURLOPT_URL, "https://\(urlHost):\(port)/")
    ccurl_setopt_long(handle, CURLOPT_CONNECT_ONLY, 1)
    ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
    ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(connectTimeout.clampedMilliseconds)))
    ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, insecure ? 0 : 1)
    ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, insecure ? 0 : 2)
    ccurl_setopt_long(handle, CURLOPT_SSL_ENABLE_ALPN, 0)
    if let caFile { ccurl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
    // curl writes into the buffer, so it is lent mutably, and taken back before the closure ends.
    let code = errorBuffer.withUnsafeMutableBufferPointer { buffer in
      ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
      let code = curl_easy_perform(handle)
      ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
      return code
    }
    guard code == CURLE_OK else {
      curl_easy_cleanup(handle)
      let message = String(cBuffer: errorBuffer)
      let detail = message.isEmpty ? String(cString: curl_easy_strerror(code)) : message
      switch code {
      case CURLE_COULDNT_RESOLVE_HOST: throw .resolve(host: host, detail: detail)
      case CURLE_OPERATION_TIMEDOUT:
        throw .timeout(address: address, phase: "connection and TLS handshake", seconds: connectTimeout)
      case CURLE_COULDNT_CONNECT: throw .connect(address: address, detail: detail)
      default: throw .tls(address: address, detail: detail)
      }
    }
    var socket: curl_socket_t = -1
    ccurl_getinfo_socket(handle, CURLINFO_ACTIVESOCKET, &socket)
    guard socket >= 0 else {
      curl_easy_cleanup(handle)
      throw .connect(address: address, detail: "libcurl kept no socket after the handshake")
    }
    return TLSConnection(address: address, handle: handle, socket: socket, ioTimeout: ioTimeout)
  }

  /// Sends `request` and reads a length-prefixed (4-byte big-endian) frame back, at most `maxFrame` bytes.
  package func exchangeFrame(_ request: [UInt8], maxFrame: Int = 64 << 20) async throws(TCPError) -> [UInt8] {
    try await exchangeExclusively(request, maxFrame: maxFrame)
  }

  /// Runs `body` with this connection to itself (one exchange at a time), as blocking work off the pool.
  func exclusive<T: Sendable>(_ body: @escaping @Sendable (TLSConnection) -> T) async -> T {
    await BlockingWork.run("vigil.tls.exchange") { self.lock.withLock { _ in body(self) } }
  }

  /// Waits until the socket is ready for `events`, at most the I/O timeout.
  private func wait(for events: Int32, phase: String) throws(TCPError) {
    var poller = pollfd(fd: socket, events: Int16(events), revents: 0)
    while true {
      let ready = poll(&poller, 1, ioTimeout.clampedMilliseconds)
      if ready > 0 { return }
      if ready == 0 { throw .timeout(address: address, phase: phase, seconds: ioTimeout) }
      if errno != EINTR { throw .io(address: address, detail: String(cString: strerror(errno))) }
    }
  }

  func sendAll(_ bytes: [UInt8]) throws(TCPError) {
    var offset = 0
    while offset < bytes.count {
      var sent = 0
      let code = bytes[offset...].withUnsafeBytes { curl_easy_send(handle, $0.baseAddress, $0.count, &sent) }
      if code == CURLE_AGAIN {
        try wait(for: Int32(POLLOUT), phase: "room to send")
        continue
      }
      guard code == CURLE_OK else {
        throw .io(address: address, detail: "send failed: \(String(cString: curl_easy_strerror(code)))")
      }
      offset += sent
    }
  }

  func receiveExactly(_ count: Int) throws(TCPError) -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: count)
    var offset = 0
    while offset < count {
      var received = 0
      // Receive first: TLS may already hold decrypted bytes the socket's readiness does not show.
      let code = buffer[offset...].withUnsafeMutableBytes {
        curl_easy_recv(handle, $0.baseAddress, $0.count, &received)
      }
      if code == CURLE_AGAIN {
        try wait(for: Int32(POLLIN), phase: "answer")
        continue
      }
      guard code == CURLE_OK else {
        throw .io(address: address, detail: "receive failed: \(String(cString: curl_easy_strerror(code)))")
      }
      if received == 0 {
        throw .closed(address: address, detail: "after \(offset) of \(count) bytes (mid-frame)")
      }
      offset += received
    }
    return buffer
  }
}
