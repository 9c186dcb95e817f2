import CCurl
import Dispatch
import VigilCore

/// One message to submit over SMTP.
package struct SMTPRequest: Sendable {
  /// `smtps://host:465` (implicit TLS) or `smtp://host:587` (STARTTLS, always required: never sent in clear).
  package var url: String
  package var ehlo: String
  package var username: String?
  package var password: String?
  /// Envelope sender and recipients (bare addresses).
  package var from: String
  package var recipients: [String]
  package var message: [UInt8]
  package var caFile: String?
  package var insecure: Bool
  package var connectTimeout: Double
  package var timeout: Double

  package init(
    url: String, ehlo: String = "vigil.local", username: String?, password: String?, from: String,
    recipients: [String], message: [UInt8], caFile: String? = nil, insecure: Bool = false,
    connectTimeout: Double = 10, timeout: Double = 30
  ) {
    self.url = url
    self.ehlo = ehlo
    self.username = username
    self.password = password
    self.from = from
    self.recipients = recipients
    self.message = message
    self.caFile = caFile
    self.insecure = insecure
    self.connectTimeout = connectTimeout
    self.timeout = timeout
  }
}

/// Why a submission failed: temporary (4xx, network) is worth retrying, permanent (5xx, credentials, TLS) is not.
package enum SMTPError: Error, Sendable, CustomStringConvertible {
  case temporary(String)
  case permanent(String)

  package var description: String {
    switch self {
    case .temporary(let message): return "temporary: \(message)"
    case .permanent(let message): return "permanent: \(message)"
    }
  }
}

/// Feeds the message to libcurl's read callback.
final class SMTPUploadSource {
  let data: [UInt8]
  var offset = 0
  init(_ data: [UInt8]) { self.data = Array(data) }
}

private let uploadCallback: ccurl_write_callback = { buffer, size, count, userdata in
  guard let buffer, let userdata else { return 0 }
  let source = Unmanaged<SMTPUploadSource>.fromOpaque(userdata).takeUnretainedValue()
  let length = min(size * count, source.data.count - source.offset)
  guard length > 0 else { return 0 }
  source.data.withUnsafeBufferPointer { bytes in
    guard let base = bytes.baseAddress else { return }
    UnsafeMutableRawPointer(buffer).copyMemory(from: base + source.offset, byteCount: length)
  }
  source.offset += length
  return length
}

/// SMTP submission through libcurl: TLS always (implicit or required STARTTLS), certificate verified, AUTH
/// when credentials are given, bounded by timeouts. Runs as `BlockingWork` (mail is rare; one easy handle).
package struct SMTPClient: Sendable {
  /// libcurl starts on the first message, not here.
  package init() {}

  /// Submits the message; returns the server's last reply code.
  package func send(_ request: SMTPRequest) async throws(SMTPError) -> Int {
    let result: Result<Int, SMTPError> = await BlockingWork.run("vigil.smtp") { Self.perform(request) }
    return try result.get()
  }

  static func perform(_ request: SMTPRequest) -> Result<Int, SMTPError> {
    guard request.url.hasPrefix("smtp://") || request.url.hasPrefix("smtps://") else {
      return .failure(
        .permanent(
          "the SMTP url must start with smtps:// (implicit TLS) or smtp:// (STARTTLS), found '\(Redactor.redactURL(request.url))'"
        ))
    }
    CurlGlobal.initialize()
    guard let handle = curl_easy_init() else { return .failure(.temporary("curl_easy_init failed")) }
    let source = Unmanaged.passRetained(SMTPUploadSource(request.message))
    var recipients: UnsafeMutablePointer<curl_slist>?
    // The handle goes first: until curl_easy_cleanup returns it may still use the upload source and the
    // recipient list it points to.
    defer {
      curl_easy_cleanup(handle)
      curl_slist_free_all(recipients)
      source.release()
    }
    var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    // The URL path is the EHLO name (without one, libcurl would use an arbitrary word).
    var url = request.url
    let afterScheme = url.firstIndex(of: "/").map { url.index($0, offsetBy: 2) } ?? url.endIndex
    if !url[afterScheme...].contains("/") { url += "/" + request.ehlo }
    let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
      ccurl_setopt_string(handle, CURLOPT_URL, url)
      ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
      ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps")
      if request.url.hasPrefix("smtp://") {
        ccurl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
      }
      ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, request.insecure ? 0 : 1)
      ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, request.insecure ? 0 : 2)
      if let caFile = request.caFile { ccurl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
      if let username = request.username { ccurl_setopt_string(handle, CURLOPT_USERNAME, username) }
      if let password = request.password { ccurl_setopt_string(handle, CURLOPT_PASSWORD, password) }
      ccurl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(request.from)>")
      for recipient in request.recipients { recipients = curl_slist_append(recipients, "<\(recipient)>") }
      ccurl_setopt_pointer(handle, CURLOPT_MAIL_RCPT, UnsafeMutableRawPointer(recipients))
      ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1)
      ccurl_setopt_write_callback(handle, CURLOPT_READFUNCTION, uploadCallback)
      ccurl_setopt_pointer(handle, CURLOPT_READDATA, source.toOpaque())
      ccurl_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.message.count))
      ccurl_setopt_long(
        handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(request.connectTimeout.clampedMilliseconds)))
      ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(request.timeout.clampedMilliseconds)))
      ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
      let code = curl_easy_perform(handle)
      // The buffer is only valid inside this closure; the cleanup must not write into it afterwards.
      ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
      return code
    }
    var reply = 0
    ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &reply)
    if code == CURLE_OK { return .success(reply) }
    let detail = String(cBuffer: errorBuffer)
    let message =
      "\(Redactor.redactURL(request.url)): \(detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)"
      + (reply > 0 ? " (SMTP \(reply))" : "")
    return .failure(classify(code, reply: reply, message: message))
  }

  /// 4xx replies and network trouble are temporary; 5xx replies, refused credentials, an untrusted
  /// certificate and a server without STARTTLS are permanent.
  static func classify(_ code: CURLcode, reply: Int, message: String) -> SMTPError {
    if (400..<500).contains(reply) { return .temporary(message) }
    if (500..<600).contains(reply) { return .permanent(message) }
    switch code {
    case CURLE_LOGIN_DENIED, CURLE_PEER_FAILED_VERIFICATION, CURLE_USE_SSL_FAILED, CURLE_SSL_CACERT_BADFILE,
      CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
      return .permanent(message)
    default:
      return .temporary(message)
    }
  }
}
