import Dispatch
import Vigil

#if canImport(Glibc)
  import Glibc
#endif

/// A plain `http://host:port/path` URL and a small blocking GET of it, run off the cooperative pool: enough for
/// a queue's depth endpoint inside the network, with no HTTP library in the binary.
public struct HTTPURL: Sendable, Equatable, CustomStringConvertible {
  public var host: String
  public var port: UInt16
  public var path: String

  public init?(_ text: String) {
    guard text.hasPrefix("http://") else { return nil }
    let rest = text.dropFirst(7)
    let slash = rest.firstIndex(of: "/") ?? rest.endIndex
    let authority = rest[..<slash]
    path = slash == rest.endIndex ? "/" : String(rest[slash...])
    let colon = authority.lastIndex(of: ":")
    host = String(colon.map { authority[..<$0] } ?? authority)
    guard let parsed = UInt16(colon.map { String(authority[authority.index(after: $0)...]) } ?? "80"),
      parsed > 0, !host.isEmpty,
      host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }),
      path.allSatisfy({ $0.isASCII && !$0.isWhitespace })
    else { return nil }
    port = parsed
  }

  public var description: String { "http://\(host):\(port)\(path)" }

  /// The largest answer read.
  static let maxBytes = 64 * 1024

  /// GETs the URL and reads `{"depth": N}` from a 200 answer.
  func depth(timeout: Double) async throws(QueueReadError) -> Int {
    let answer = await withCheckedContinuation { continuation in
      DispatchQueue(label: "queue-depth.get").async { continuation.resume(returning: get(timeout: timeout)) }
    }
    let bytes = try answer.get()
    let blankLine: [UInt8] = [13, 10, 13, 10]
    guard let headEnd = bytes.indices.first(where: { bytes[$0...].starts(with: blankLine) }) else {
      throw QueueReadError("answer has no end of headers")
    }
    let head = String(decoding: bytes[..<headEnd], as: UTF8.self)
    let statusLine = head.prefix { $0 != "\r" }
    let parts = statusLine.split(separator: " ")
    guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
      throw QueueReadError("not an HTTP answer: '\(statusLine.prefix(60))'")
    }
    guard status == 200 else { throw QueueReadError("HTTP \(status)") }
    struct Body: Decodable { var depth: Int }
    do {
      return try JSONCoding.decode(Body.self, from: Array(bytes[(headEnd + 4)...])).depth
    } catch {
      throw QueueReadError("the body is not {\"depth\": N}")
    }
  }

  private func get(timeout: Double) -> Result<[UInt8], QueueReadError> {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
      return .failure(QueueReadError("cannot resolve \(host)"))
    }
    defer { freeaddrinfo(list) }
    let descriptor = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
    guard descriptor >= 0 else {
      return .failure(QueueReadError("socket: \(String(cString: strerror(errno)))"))
    }
    defer { close(descriptor) }
    // On Linux the send timeout bounds connect too; the receive timeout bounds each read.
    var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
    setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    guard connect(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
      return .failure(
        QueueReadError("cannot connect to \(host):\(port): \(String(cString: strerror(errno)))"))
    }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
    let sent = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    guard sent == request.count else { return .failure(QueueReadError("send failed")) }
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
      let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
      if count == 0 { break }
      guard count > 0 else {
        return .failure(QueueReadError(errno == EAGAIN ? "no answer within \(timeout) s" : "read failed"))
      }
      bytes += buffer[..<count]
      guard bytes.count <= Self.maxBytes else { return .failure(QueueReadError("answer over 64 KiB")) }
      guard DispatchTime.now().uptimeNanoseconds < deadline else {
        return .failure(QueueReadError("no complete answer within \(timeout) s"))
      }
    }
    return .success(bytes)
  }
}

/// Why a queue's depth could not be read.
public struct QueueReadError: Error, Sendable, CustomStringConvertible {
  public var description: String
  init(_ description: String) { self.description = description }
}
