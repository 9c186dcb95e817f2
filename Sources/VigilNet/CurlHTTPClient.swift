import CCurl
import VigilCore

/// HTTP(S) over libcurl: TLS verification on by default, timeouts and a body cap on every request, http and
/// https only (a redirect to `file://` is refused), proxies from the environment as curl reads them.
///
/// Transfers run on one libcurl multi handle driven by a single loop thread (`CurlMultiLoop`): many requests
/// in flight share connections and DNS cache, with at most `CurlMultiLoop.maxInFlight` running at once
/// (the rest wait their turn). Callers may bound concurrency further.
public struct CurlHTTPClient: HTTPTransport {
  /// Costs nothing until the first request: libcurl (and OpenSSL behind it) start on first use, so a process that
  /// sends nothing (a heartbeat, a local check) starts and stays small.
  public init() {}

  public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
    let result: Result<HTTPResponse, HTTPError> = await withCheckedContinuation { continuation in
      CurlMultiLoop.shared.submit(CurlTransfer(request) { continuation.resume(returning: $0) })
    }
    return try result.get()
  }
}

/// One-time libcurl initialisation.
enum CurlGlobal {
  private static let done: Bool = {
    curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    return true
  }()

  static func initialize() { _ = done }
}
