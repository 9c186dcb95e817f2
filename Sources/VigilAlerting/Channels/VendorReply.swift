import VigilCore
import VigilNet

/// How the chat robots answer: HTTP 200 with a code in the body that decides. A body that is not JSON, or
/// lacks the code, is retryable (it is never taken as sent).
enum VendorReply {
  /// Sends `body` to `url` and interprets the answer with `decide(code, message)`.
  static func post(
    _ url: String, shownAs shown: String? = nil, body: JSONValue, transport: any HTTPTransport,
    codeField: String, messageField: String,
    decide: (Int64, String) -> ChannelError?
  ) async throws(ChannelError) {
    let safeURL = shown ?? Redactor.redactURL(url)
    let response: HTTPResponse
    do {
      response = try await transport.send(
        HTTPRequest(
          url: url, method: "POST", headers: [("Content-Type", "application/json; charset=utf-8")],
          body: [UInt8](body.encodedString().utf8), timeout: 10, maxBodyBytes: 64 * 1024))
    } catch {
      throw .retryable("\(safeURL): \(error)")
    }
    if response.status == 429 || response.status >= 500 {
      throw .retryable("\(safeURL) answered HTTP \(response.status)")
    }
    let text = Redactor.shared.redact(String(decoding: response.body.prefix(300), as: UTF8.self))
    guard let json = try? JSONValue.parse(response.body), let code = json[codeField]?.intValue else {
      throw .retryable("\(safeURL) answered HTTP \(response.status) without a '\(codeField)': \(text)")
    }
    if code == 0 { return }
    let message = json[messageField]?.stringValue ?? ""
    if let error = decide(code, "\(safeURL): \(codeField) \(code): \(message)") { throw error }
  }

  /// `https://` always, `http://` only to a loopback stand-in.
  static func allowed(_ url: String) -> Bool {
    if url.hasPrefix("https://") { return true }
    guard url.hasPrefix("http://") else { return false }
    let host = URLText.host(of: url)
    return host == "localhost" || host == "::1" || host.hasPrefix("127.")
  }

  /// Cuts `text` to at most `limit` UTF-8 bytes on a character boundary, marking the cut.
  static func truncate(_ text: String, bytes limit: Int) -> String {
    guard text.utf8.count > limit else { return text }
    let marker = "\n…(truncated)"
    var result = ""
    var used = 0
    for character in text {
      let size = String(character).utf8.count
      if used + size > limit - marker.utf8.count { break }
      result.append(character)
      used += size
    }
    return result + marker
  }

  /// Markdown for a notification (WeCom, DingTalk): title, one block per notice.
  static func markdown(_ notification: AlertNotification) -> String {
    var lines = ["### \(notification.title)"]
    for (notice, block) in zip(notification.notices, notification.blocks) {
      let color = notice.status == .resolved ? "info" : "warning"
      lines.append(
        block.label.map { "**<font color=\"\(color)\">\($0)</font>** \(block.headline)" } ?? block.headline)
      for detail in block.details { lines.append("> \(detail)") }
    }
    return lines.joined(separator: "\n")
  }
}
