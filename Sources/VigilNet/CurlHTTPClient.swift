import CCurl
import Dispatch
import Synchronization
import VigilCore

#if canImport(Glibc)
  import Glibc
#endif

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// HTTP(S) over libcurl: TLS verification on by default, timeouts and a body cap on every request, http and
/// https only (a redirect to `file://` is refused), proxies from the environment as curl reads them.
///
/// Each transfer runs on a Dispatch worker; callers bound concurrency.
public struct CurlHTTPClient: HTTPTransport {
  public init() { CurlGlobal.initialize() }

  public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
    let result: Result<HTTPResponse, HTTPError> = await withCheckedContinuation { continuation in
      DispatchQueue.global().async {
        continuation.resume(returning: CurlTransfer(request).perform())
      }
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

/// Collects body and headers for one transfer; used from curl's callbacks on the transfer's thread only.
final class CurlTransferSink {
  var body = Data()
  var headerLines: [String] = []
  let limit: Int
  var truncated = false

  init(limit: Int) { self.limit = limit }
}

private let bodyCallback: ccurl_write_callback = { data, size, count, userdata in
  guard let data, let userdata else { return 0 }
  let sink = Unmanaged<CurlTransferSink>.fromOpaque(userdata).takeUnretainedValue()
  let length = size * count
  let room = sink.limit - sink.body.count
  if length > room {
    if room > 0 {
      data.withMemoryRebound(to: UInt8.self, capacity: room) { sink.body.append($0, count: room) }
    }
    sink.truncated = true
    return 0  // stop: the cap is reached
  }
  data.withMemoryRebound(to: UInt8.self, capacity: length) { sink.body.append($0, count: length) }
  return length
}

private let headerCallback: ccurl_write_callback = { data, size, count, userdata in
  guard let data, let userdata else { return 0 }
  let sink = Unmanaged<CurlTransferSink>.fromOpaque(userdata).takeUnretainedValue()
  let length = size * count
  let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
  }
  if sink.headerLines.count < 500 { sink.headerLines.append(line) }
  return length
}

/// A single easy-handle transfer, owned and freed here.
struct CurlTransfer {
  let request: HTTPRequest

  init(_ request: HTTPRequest) { self.request = request }

  func perform() -> Result<HTTPResponse, HTTPError> {
    guard let handle = curl_easy_init() else {
      return .failure(.transfer(code: -1, detail: "curl_easy_init failed"))
    }
    defer { curl_easy_cleanup(handle) }
    let sink = CurlTransferSink(limit: request.maxBodyBytes)
    let sinkPointer = Unmanaged.passRetained(sink)
    defer { sinkPointer.release() }
    var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    var headerList: UnsafeMutablePointer<curl_slist>?
    defer { curl_slist_free_all(headerList) }

    let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
      ccurl_setopt_string(handle, CURLOPT_URL, request.url)
      ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
      ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
      ccurl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
      ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0)
      ccurl_setopt_long(handle, CURLOPT_MAXREDIRS, request.maxRedirects)
      ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(request.connectTimeout * 1000)))
      ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(request.timeout * 1000)))
      ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, request.insecure ? 0 : 1)
      ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, request.insecure ? 0 : 2)
      if let caFile = request.caFile { ccurl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
      ccurl_setopt_string(handle, CURLOPT_USERAGENT, "vigil/0.1")
      ccurl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")
      ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorPointer.baseAddress)
      ccurl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, bodyCallback)
      ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer.toOpaque())
      ccurl_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback)
      ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer.toOpaque())
      let method = request.method.uppercased()
      if method == "HEAD" {
        ccurl_setopt_long(handle, CURLOPT_NOBODY, 1)
      } else if method != "GET" {
        ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
      }
      for header in request.headers {
        // Header names and values never carry line breaks (no header injection).
        let line = "\(header.name): \(header.value)".removingLineBreaks
        headerList = curl_slist_append(headerList, line)
      }
      if let headerList {
        ccurl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList))
      }
      if let body = request.body {
        ccurl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
        body.withUnsafeBytes { bytes in
          ccurl_setopt_pointer(
            handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
        }
        if method == "GET" { ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, "GET") }
      }
      return curl_easy_perform(handle)
    }
    let message = String(
      decoding: errorBuffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    if code != CURLE_OK && !(code == CURLE_WRITE_ERROR && sink.truncated) {
      return .failure(classify(code, message: message, handle: handle))
    }
    return .success(response(handle: handle, sink: sink))
  }

  private func microseconds(_ handle: UnsafeMutableRawPointer, _ info: CURLINFO) -> Double {
    var value: curl_off_t = 0
    ccurl_getinfo_off_t(handle, info, &value)
    return Double(value) / 1000  // whole microseconds, so no float noise
  }

  private func response(handle: UnsafeMutableRawPointer, sink: CurlTransferSink) -> HTTPResponse {
    var status = 0
    ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
    let dns = microseconds(handle, CURLINFO_NAMELOOKUP_TIME_T)
    let connect = microseconds(handle, CURLINFO_CONNECT_TIME_T)
    let tls = microseconds(handle, CURLINFO_APPCONNECT_TIME_T)
    let pretransfer = microseconds(handle, CURLINFO_PRETRANSFER_TIME_T)
    let firstByte = microseconds(handle, CURLINFO_STARTTRANSFER_TIME_T)
    let total = microseconds(handle, CURLINFO_TOTAL_TIME_T)
    let redirect = microseconds(handle, CURLINFO_REDIRECT_TIME_T)
    var downloaded: curl_off_t = 0
    ccurl_getinfo_off_t(handle, CURLINFO_SIZE_DOWNLOAD_T, &downloaded)
    var speed: curl_off_t = 0
    ccurl_getinfo_off_t(handle, CURLINFO_SPEED_DOWNLOAD_T, &speed)
    var version = 0
    ccurl_getinfo_long(handle, CURLINFO_HTTP_VERSION, &version)
    var redirects = 0
    ccurl_getinfo_long(handle, CURLINFO_REDIRECT_COUNT, &redirects)
    // Headers of the last response only (after redirects).
    var lines: [String] = []
    for line in sink.headerLines {
      if line.hasPrefix("HTTP/") { lines = [] } else { lines.append(line) }
    }
    let headers: [(name: String, value: String)] = lines.compactMap { line in
      guard let colon = line.firstIndex(of: ":") else { return nil }
      let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t\r\n")
      return (String(line[..<colon]), value)
    }
    func phase(_ value: Double) -> Double { (max(0, value) * 1000).rounded() / 1000 }
    let timings = HTTPTimings(
      dnsMs: phase(dns), connectMs: phase(connect - dns), tlsMs: tls > 0 ? phase(tls - connect) : 0,
      firstByteMs: phase(firstByte - pretransfer), transferMs: phase(total - firstByte),
      totalMs: phase(total),
      redirectMs: phase(redirect))
    return HTTPResponse(
      status: status, headers: headers, body: sink.body, truncated: sink.truncated, timings: timings,
      bytesReceived: Int64(downloaded), downloadSpeed: Double(speed),
      remoteIP: string(handle, CURLINFO_PRIMARY_IP), httpVersion: Self.versionName(version),
      effectiveURL: string(handle, CURLINFO_EFFECTIVE_URL) ?? request.url, redirectCount: redirects)
  }

  private func string(_ handle: UnsafeMutableRawPointer, _ info: CURLINFO) -> String? {
    var pointer: UnsafePointer<CChar>?
    ccurl_getinfo_string(handle, info, &pointer)
    guard let pointer else { return nil }
    let text = String(cString: pointer)
    return text.isEmpty ? nil : text
  }

  static func versionName(_ version: Int) -> String {
    switch version {
    case CURL_HTTP_VERSION_1_0: return "HTTP/1.0"
    case CURL_HTTP_VERSION_1_1: return "HTTP/1.1"
    case CURL_HTTP_VERSION_2_0: return "HTTP/2"
    case CURL_HTTP_VERSION_3: return "HTTP/3"
    default: return "unknown"
    }
  }

  private func classify(_ code: CURLcode, message: String, handle: UnsafeMutableRawPointer) -> HTTPError {
    let detail = message.isEmpty ? String(cString: curl_easy_strerror(code)) : message
    switch code {
    case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
      return .badURL(url: Redactor.redactURL(request.url), detail: detail)
    case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
      return .dnsFailure(host: URLText.host(of: request.url), detail: detail)
    case CURLE_COULDNT_CONNECT:
      var osError = 0
      ccurl_getinfo_long(handle, CURLINFO_OS_ERRNO, &osError)
      return osError == Int(ECONNREFUSED)
        ? .connectionRefused(detail: detail) : .connectFailed(detail: detail)
    case CURLE_OPERATION_TIMEDOUT:
      var connectTime: curl_off_t = 0
      ccurl_getinfo_off_t(handle, CURLINFO_CONNECT_TIME_T, &connectTime)
      return connectTime == 0
        ? .timeout(phase: "connect", seconds: request.connectTimeout, detail: detail)
        : .timeout(phase: "response", seconds: request.timeout, detail: detail)
    case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM,
      CURLE_SSL_CACERT_BADFILE,
      CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return .tls(detail: detail)
    case CURLE_TOO_MANY_REDIRECTS:
      return .tooManyRedirects(limit: request.maxRedirects)
    case CURLE_GOT_NOTHING:
      return .emptyReply
    case CURLE_RECV_ERROR, CURLE_SEND_ERROR:
      return .connectionReset(detail: detail)
    default:
      return .transfer(code: Int(code.rawValue), detail: detail)
    }
  }
}

extension Substring {
  func trimmingCharacters(in set: String) -> String {
    String(self.drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
  }
}
