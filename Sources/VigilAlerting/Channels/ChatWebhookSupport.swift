import VigilCore
import VigilCron
import VigilNet

/// Shared by the global chat channels (Slack, Discord, Telegram, PagerDuty): POST JSON, classify by status.
enum ChatWebhook {
  /// `shownAs` replaces the URL in error messages when the URL itself holds a secret (Telegram's bot token).
  static func post(_ url: String, _ body: JSONValue, transport: any HTTPTransport, shownAs: String? = nil)
    async throws(ChannelError) -> HTTPResponse
  {
    do {
      return try await transport.send(
        HTTPRequest(
          url: url, method: "POST", headers: [("Content-Type", "application/json")],
          body: [UInt8](body.encodedString().utf8), timeout: 10, maxBodyBytes: 64 * 1024))
    } catch {
      throw .retryable(
        "\(shownAs ?? Redactor.redactURL(url)): \(Redactor.shared.redact(error.description.replacingEvery(url, with: shownAs ?? url)))"
      )
    }
  }

  /// 429 and 5xx are retryable (with any Retry-After hint); other non-2xx statuses are permanent.
  static func failure(_ response: HTTPResponse, url: String, hint: String? = nil) -> ChannelError {
    let body = Redactor.shared.redact(String(decoding: response.body.prefix(300), as: UTF8.self))
    let message = "\(Redactor.redactURL(url)) answered HTTP \(response.status): \(body)"
    guard response.status == 429 || response.status >= 500 else { return .permanent(message) }
    if let seconds = ChannelError.hint(hint ?? response.header("Retry-After")) {
      return .throttled(message, retryAfter: seconds)
    }
    return .retryable(message)
  }

  /// `&`, `<` and `>` as entities: all that Slack mrkdwn and Telegram's HTML mode need escaped.
  static func escapeMarkup(_ text: String) -> String {
    text.replacingEvery("&", with: "&amp;").replacingEvery("<", with: "&lt;").replacingEvery(
      ">", with: "&gt;")
  }

  /// Cuts to `limit` characters (not bytes), marking the cut.
  static func truncate(_ text: String, characters limit: Int) -> String {
    text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
  }
}
