import VigilCron

/// One HTTP request, with the limits every network call in Vigil carries.
package struct HTTPRequest: Sendable {
  package var url: String
  package var method: String
  package var headers: [(name: String, value: String)]
  package var body: [UInt8]?
  /// Seconds allowed to establish the connection (TCP + TLS).
  package var connectTimeout: Double
  /// Seconds allowed for the whole transfer.
  package var timeout: Double
  /// Bytes of response body kept; the rest is dropped and `truncated` set.
  package var maxBodyBytes: Int
  package var followRedirects: Bool
  package var maxRedirects: Int
  /// Skips TLS verification. Callers must log a warning each time they use it.
  package var insecure: Bool
  /// A CA bundle to trust instead of the system's.
  package var caFile: String?
  /// Measures a connection of its own: a new connection (not reused, not kept) and a fresh DNS lookup, so
  /// every phase timing is real and the TLS handshake (and certificate) is seen. Probes set this.
  package var freshConnection: Bool = false

  package init(
    url: String, method: String = "GET", headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
    connectTimeout: Double = 5, timeout: Double = 10, maxBodyBytes: Int = 1 << 20,
    followRedirects: Bool = true,
    maxRedirects: Int = 5, insecure: Bool = false, caFile: String? = nil
  ) {
    self.url = url
    self.method = method
    self.headers = headers
    self.body = body
    self.connectTimeout = connectTimeout
    self.timeout = timeout
    self.maxBodyBytes = maxBodyBytes
    self.followRedirects = followRedirects
    self.maxRedirects = maxRedirects
    self.insecure = insecure
    self.caFile = caFile
  }
}

/// Where the time of one request went, in milliseconds (libcurl's own measurements).
package struct HTTPTimings: Sendable, Codable, Hashable {
  /// Name lookup.
  package var dnsMs: Double
  /// TCP connect, after DNS.
  package var connectMs: Double
  /// TLS handshake, after connect (0 for plain HTTP).
  package var tlsMs: Double
  /// From request sent to first response byte (server think time).
  package var firstByteMs: Double
  /// Receiving the body.
  package var transferMs: Double
  /// Everything, redirects included.
  package var totalMs: Double
  package var redirectMs: Double

  package init(
    dnsMs: Double = 0, connectMs: Double = 0, tlsMs: Double = 0, firstByteMs: Double = 0,
    transferMs: Double = 0, totalMs: Double = 0, redirectMs: Double = 0
  ) {
    self.dnsMs = dnsMs
    self.connectMs = connectMs
    self.tlsMs = tlsMs
    self.firstByteMs = firstByteMs
    self.transferMs = transferMs
    self.totalMs = totalMs
    self.redirectMs = redirectMs
  }
}

/// A response, with what was measured on the way.
package struct HTTPResponse: Sendable {
  package var status: Int
  package var headers: [(name: String, value: String)]
  package var body: [UInt8]
  /// True when the body was longer than `maxBodyBytes` and cut.
  package var truncated: Bool
  package var timings: HTTPTimings
  package var bytesReceived: Int64
  /// Bytes per second.
  package var downloadSpeed: Double
  package var remoteIP: String?
  package var httpVersion: String
  package var effectiveURL: String
  package var redirectCount: Int
  /// When the server's certificate expires (HTTPS with a fresh handshake only).
  package var certificateExpiry: Instant?

  /// The first header named `name`, case-insensitively.
  package func header(_ name: String) -> String? {
    let lowered = name.lowercased()
    return headers.first { $0.name.lowercased() == lowered }?.value
  }
}

/// Why a request failed, classified so alerts say what happened, never just "request failed".
package enum HTTPError: Error, Sendable, Hashable, CustomStringConvertible {
  case badURL(url: String, detail: String)
  case dnsFailure(host: String, detail: String)
  case connectionRefused(detail: String)
  case connectFailed(detail: String)
  case timeout(phase: String, seconds: Double, detail: String)
  case tls(detail: String)
  case tooManyRedirects(limit: Int)
  case connectionReset(detail: String)
  case emptyReply
  case transfer(code: Int, detail: String)
  /// The caller gave up (its task was cancelled: the invocation ran out of time); the transfer was aborted.
  case cancelled

  /// A stable name for the class (`dns`, `refused`, `timeout`, `tls`…), for conditions and alert facts.
  package var kind: String {
    switch self {
    case .badURL: return "bad-url"
    case .dnsFailure: return "dns"
    case .connectionRefused: return "refused"
    case .connectFailed: return "connect"
    case .timeout: return "timeout"
    case .tls: return "tls"
    case .tooManyRedirects: return "redirects"
    case .connectionReset: return "reset"
    case .emptyReply: return "empty-reply"
    case .transfer: return "transfer"
    case .cancelled: return "cancelled"
    }
  }

  package var description: String {
    switch self {
    case .badURL(let url, let detail): return "bad URL \(url): \(detail)"
    case .dnsFailure(let host, let detail): return "DNS lookup failed for \(host): \(detail)"
    case .connectionRefused(let detail): return "connection refused: \(detail)"
    case .connectFailed(let detail): return "connection failed: \(detail)"
    case .timeout(let phase, let seconds, let detail):
      return "timed out during \(phase) after \(seconds) s: \(detail)"
    case .tls(let detail): return "TLS error: \(detail)"
    case .tooManyRedirects(let limit): return "more than \(limit) redirects"
    case .connectionReset(let detail): return "connection reset: \(detail)"
    case .emptyReply: return "the server closed the connection without replying"
    case .transfer(let code, let detail): return "transfer failed (curl \(code)): \(detail)"
    case .cancelled: return "cancelled: the invocation ran out of time before an answer came"
    }
  }
}

/// Something that sends HTTP requests: the curl client, or a test double.
package protocol HTTPTransport: Sendable {
  func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse
}
