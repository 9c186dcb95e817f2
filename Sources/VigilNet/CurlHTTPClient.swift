import CCurl
import Synchronization
import VigilCore

/// HTTP(S) over libcurl: TLS verification on by default, timeouts and a body cap on every request, http and
/// https only (a redirect to `file://` is refused), proxies from the environment as curl reads them.
///
/// Transfers run on one libcurl multi handle driven by a single loop thread (`CurlMultiLoop`): many requests
/// in flight share connections and DNS cache, with at most `CurlMultiLoop.maxInFlight` running at once
/// (the rest wait their turn). Callers may bound concurrency further.
package struct CurlHTTPClient: HTTPTransport {
  /// Costs nothing until the first request: libcurl (and OpenSSL behind it) start on first use, so a process that
  /// sends nothing (a heartbeat, a local check) starts and stays small.
  package init() {}

  /// Sends `request`. Cancelling the calling task aborts the transfer at once (its connection is closed) and
  /// throws `.cancelled`: a timed-out invocation leaves nothing running behind it.
  package func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
    let handle = CancellableTransfer()
    let result: Result<HTTPResponse, HTTPError> = await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        let transfer = CurlTransfer(request) { continuation.resume(returning: $0) }
        // Known to the handle before it is queued: a cancellation from now on (or one that came already)
        // reaches it before it can open a connection.
        handle.started(transfer)
        CurlMultiLoop.shared.submit(transfer)
      }
    } onCancel: {
      handle.cancel()
    }
    return try result.get()
  }
}

/// The transfer of one `send`, so a cancellation that comes before or after it started reaches it.
final class CancellableTransfer: Sendable {
  private let state = Mutex<(transfer: CurlTransfer?, cancelled: Bool)>((nil, false))

  func started(_ transfer: CurlTransfer) {
    let cancelled = state.withLock { state -> Bool in
      state.transfer = transfer
      return state.cancelled
    }
    if cancelled { CurlMultiLoop.shared.cancel(transfer) }
  }

  func cancel() {
    let transfer = state.withLock { state -> CurlTransfer? in
      state.cancelled = true
      return state.transfer
    }
    if let transfer { CurlMultiLoop.shared.cancel(transfer) }
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
