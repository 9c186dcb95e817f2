import VigilCore
import VigilNet

/// Telegram Bot API `sendMessage` to one chat, HTML parse mode (only `& < >` need escaping), ≤ 4096 characters.
/// `ok: true` is sent; error 429 is retried after `parameters.retry_after`; other errors (chat not found,
/// Unauthorized, bot blocked) are permanent.
public struct TelegramBot: Channel {
  public let name: String
  let apiBase: String
  let token: String
  let chatID: String
  let transport: any HTTPTransport

  public init(
    name: String, apiBase: String = "https://api.telegram.org", token: String, chatID: String,
    transport: any HTTPTransport
  ) {
    self.name = name
    self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
    self.token = token
    self.chatID = chatID
    self.transport = transport
  }

  public static func body(_ notification: AlertNotification, chatID: String) -> JSONValue {
    var lines = ["<b>\(ChatWebhook.escapeMarkup(notification.title))</b>"]
    for notice in notification.notices {
      lines.append(
        "<b>\(notice.status.rawValue.uppercased())</b> \(ChatWebhook.escapeMarkup(notice.candidate.summary))")
      lines += notice.candidate.facts.map {
        "\(ChatWebhook.escapeMarkup($0.name)): \(ChatWebhook.escapeMarkup($0.value))"
      }
    }
    let chat: JSONValue = Int64(chatID).map { .int($0) } ?? .string(chatID)
    return .object([
      "chat_id": chat, "text": .string(ChatWebhook.truncate(lines.joined(separator: "\n"), characters: 4096)),
      "parse_mode": .string("HTML"), "link_preview_options": .object(["is_disabled": .bool(true)]),
    ])
  }

  public func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    let url = "\(apiBase)/bot\(token)/sendMessage"
    let safeURL = "\(apiBase)/bot***/sendMessage"  // the token is in the path: never in a message
    let response = try await ChatWebhook.post(
      url, Self.body(notification, chatID: chatID), transport: transport, shownAs: safeURL)
    let json = try? JSONValue.parse(response.body)
    if json?["ok"] == .bool(true) { return }
    let description =
      json?["description"]?.stringValue ?? String(decoding: response.body.prefix(200), as: UTF8.self)
    if let retryAfter = json?["parameters"]?["retry_after"]?.intValue {
      throw .retryable("\(safeURL): \(description) (retry after \(retryAfter) s)")
    }
    throw response.status >= 500 || json == nil
      ? .retryable("\(safeURL): HTTP \(response.status) \(description)")
      : .permanent("\(safeURL): \(description)")
  }
}
