import CCurl
import Synchronization
import VigilCore
import VigilCron

#if canImport(Glibc)
  import Glibc
#endif

/// Collects body and headers for one transfer; used from curl's callbacks on the transfer's thread only.
final class CurlTransferSink {
  var body = [UInt8]()
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
      data.withMemoryRebound(to: UInt8.self, capacity: room) {
        sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: room))
      }
    }
    sink.truncated = true
    return 0  // stop: the cap is reached
  }
  data.withMemoryRebound(to: UInt8.self, capacity: length) {
    sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
  }
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

/// One request's easy handle and everything it points to (body sink, error buffer, header list), owned and
/// freed here. Built by the caller, then handed to the multi loop thread, which alone touches it afterwards.
final class CurlTransfer: @unchecked Sendable {
  // Safe: after `submit` only the loop thread uses the handle and sink (see CurlMultiLoop).
  let request: HTTPRequest
  let handle: UnsafeMutableRawPointer?
  private let sink: CurlTransferSink
  private let sinkPointer: Unmanaged<CurlTransferSink>
  private let errorBuffer: UnsafeMutablePointer<CChar>
  private var headerList: UnsafeMutablePointer<curl_slist>?
  private let completion: @Sendable (Result<HTTPResponse, HTTPError>) -> Void
  /// Set by any thread (`CurlMultiLoop.cancel`); the loop thread then aborts the transfer.
  let cancelled = Atomic<Bool>(false)

  init(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, HTTPError>) -> Void) {
    self.request = request
    self.completion = completion
    handle = curl_easy_init()
    sink = CurlTransferSink(limit: request.maxBodyBytes)
    sinkPointer = Unmanaged.passRetained(sink)
    errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    if let handle { configure(handle) }
  }

  deinit {
    if let handle { curl_easy_cleanup(handle) }
    curl_slist_free_all(headerList)
    sinkPointer.release()
    errorBuffer.deallocate()
  }

  private func configure(_ handle: UnsafeMutableRawPointer) {
    ccurl_setopt_string(handle, CURLOPT_URL, request.url)
    ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
    ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
    ccurl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
    ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0)
    ccurl_setopt_long(handle, CURLOPT_MAXREDIRS, request.maxRedirects)
    ccurl_setopt_long(
      handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(request.connectTimeout.clampedMilliseconds)))
    ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(request.timeout.clampedMilliseconds)))
    ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, request.insecure ? 0 : 1)
    ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, request.insecure ? 0 : 2)
    if let caFile = request.caFile { ccurl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
    if request.url.hasPrefix("https") { ccurl_setopt_long(handle, CURLOPT_CERTINFO, 1) }
    if request.freshConnection {
      // A probe measures a connection of its own: no reused connection, no cached DNS answer.
      ccurl_setopt_long(handle, CURLOPT_FRESH_CONNECT, 1)
      ccurl_setopt_long(handle, CURLOPT_FORBID_REUSE, 1)
      ccurl_setopt_long(handle, CURLOPT_DNS_CACHE_TIMEOUT, 0)
    }
    ccurl_setopt_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
    ccurl_setopt_string(handle, CURLOPT_USERAGENT, "vigil/0.1")
    ccurl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")
    ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
    ccurl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, bodyCallback)
    ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer.toOpaque())
    ccurl_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback)
    ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer.toOpaque())
    ccurl_setopt_pointer(handle, CURLOPT_PRIVATE, Unmanaged.passUnretained(self).toOpaque())
    let method = request.method.uppercased()
    if method == "HEAD" {
      ccurl_setopt_long(handle, CURLOPT_NOBODY, 1)
    } else if method != "GET" {
      ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
    }
    for header in request.headers {
      // Header names and values never carry line breaks (no header injection).
      headerList = curl_slist_append(headerList, "\(header.name): \(header.value)".removingLineBreaks)
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
  }

  /// Reports the outcome of a finished (or never started) transfer.
  func complete(_ code: CURLcode) {
    if cancelled.load(ordering: .acquiring) {
      completion(.failure(.cancelled))
      return
    }
    guard let handle else {
      completion(.failure(.transfer(code: -1, detail: "curl_easy_init failed")))
      return
    }
    let message = String(cString: errorBuffer)
    if code != CURLE_OK && !(code == CURLE_WRITE_ERROR && sink.truncated) {
      completion(.failure(classify(code, message: message, handle: handle)))
    } else {
      completion(.success(response(handle: handle, sink: sink)))
    }
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
      let value = line[line.index(after: colon)...].trimming(" \t\r\n")
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
      effectiveURL: string(handle, CURLINFO_EFFECTIVE_URL) ?? request.url, redirectCount: redirects,
      certificateExpiry: certificateExpiry(handle))
  }

  /// The server (leaf) certificate's "Expire date" from CURLINFO_CERTINFO, when a TLS handshake happened.
  private func certificateExpiry(_ handle: UnsafeMutableRawPointer) -> Instant? {
    var pointer: UnsafeMutableRawPointer?
    ccurl_getinfo_pointer(handle, CURLINFO_CERTINFO, &pointer)
    guard let info = pointer?.assumingMemoryBound(to: curl_certinfo.self).pointee, info.num_of_certs > 0,
      let chain = info.certinfo
    else { return nil }
    var entry = chain[0]
    while let node = entry {
      if let data = node.pointee.data {
        let line = String(cString: data)
        if line.hasPrefix("Expire date:") { return Self.parseCertificateDate(String(line.dropFirst(12))) }
      }
      entry = node.pointee.next
    }
    return nil
  }

  /// Parses OpenSSL's `Jan  1 00:00:00 2027 GMT`.
  static func parseCertificateDate(_ text: String) -> Instant? {
    let parts = text.split(separator: " ")
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    guard parts.count >= 4, let month = months.firstIndex(of: String(parts[0])), let day = Int(parts[1]),
      let year = Int(parts[3])
    else { return nil }
    let clock = parts[2].split(separator: ":").compactMap { Int($0) }
    guard clock.count == 3 else { return nil }
    let days = CivilTime.days(year: year, month: month + 1, day: day)
    return Instant(
      timeIntervalSince1970: Double(days * 86_400 + Int64(clock[0] * 3600 + clock[1] * 60 + clock[2])))
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
      // Sent the request (pre-transfer reached) → waiting on the response; else still connecting.
      var pretransfer: curl_off_t = 0
      ccurl_getinfo_off_t(handle, CURLINFO_PRETRANSFER_TIME_T, &pretransfer)
      return pretransfer == 0
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
