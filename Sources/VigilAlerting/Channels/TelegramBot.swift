import VigilCore
import VigilNet

/// Telegram Bot API `sendMessage` to one chat, HTML parse mode (only `& < >` need escaping), ≤ 4096 characters.
/// `ok: true` is sent; error 429 is retried after `parameters.retry_after`; other errors (chat not found,
/// Unauthorized, bot blocked) are permanent.
package struct TelegramBot: Channel {
  package let name: String
  let apiBase: String
  let token: String
  let chatID: String
  let transport: any HTTPTransport

  package init(
    name: String, apiBase: String = "https://api.telegram.org", token: String, chatID: String,
    transport: any HTTPTransport
  ) {
    self.name = name
    self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
    self.token = token
    self.chatID = chatID
    self.transport = transport
  }

  /// Telegram's limit: 4096 characters of text as shown, after its HTML is parsed.
  static let maximumCharacters = 4096

  package static func body(_ notification: AlertNotification, chatID: String) -> JSONValue {
    // Lines of (text, bold) pieces, escaped only when they are written: the cut counts the characters
    // Telegram shows and never splits an entity or leaves a tag open.
    var lines: [[(text: String, bold: Bool)]] = [[(notification.title, true)]]
    for block in notification.blocks {
      lines.append(
        block.label.map { [($0, true), (" " + block.headline, false)] } ?? [(block.headline, false)])
      lines += block.details.map { [($0, false)] }
    }
    var text = ""
    var left = maximumCharacters
    writing: for (index, line) in lines.enumerated() {
      if index > 0 {
        guard left > 1 else { break }
        text += "\n"
        left -= 1
      }
      for piece in line {
        guard left > 0 else { break writing }
        var shown = piece.text
        let cut = shown.count > left
        if cut { shown = String(shown.prefix(max(0, left - 1))) + "…" }
        let escaped = ChatWebhook.escapeMarkup(shown)
        text += piece.bold ? "<b>\(escaped)</b>" : escaped
        left -= shown.count
        if cut { break writing }
      }
    }
    let chat: JSONValue = Int64(chatID).map { .int($0) } ?? .string(chatID)
    return .object([
      "chat_id": chat, "text": .string(text),
      "parse_mode": .string("HTML"), "link_preview_options": .object(["is_disabled": .bool(true)]),
    ])
  }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    let url = "\(apiBase)/bot\(token)/sendMessage"
    let safeURL = "\(apiBase)/bot***/sendMessage"  // the token is in the path: never in a message
    let response = try await ChatWebhook.post(
      url, Self.body(notification, chatID: chatID), transport: transport, shownAs: safeURL)
    let json = try? JSONValue.parse(response.body)
    if json?["ok"] == .bool(true) { return }
    let description =
      json?["description"]?.stringValue ?? String(decoding: response.body.prefix(200), as: UTF8.self)
    if let retryAfter = ChannelError.hint(json?["parameters"]?["retry_after"].map { $0.encodedString() }) {
      throw .throttled("\(safeURL): \(description)", retryAfter: retryAfter)
    }
    throw response.status >= 500 || json == nil
      ? .retryable("\(safeURL): HTTP \(response.status) \(description)")
      : .permanent("\(safeURL): \(description)")
  }
}

extension TelegramBot: ConfigurableChannel {
  package static let type = "telegram"
  package static let keys = ["token", "chatId", "apiBase"]
  package static let secretKeys = ["token"]

  package static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel {
    TelegramBot(
      name: name, apiBase: try settings.vendorURL("apiBase", default: "https://api.telegram.org"),
      token: try settings.map.required("token").string(),
      chatID: try settings.map.required("chatId").string(),
      transport: settings.transport)
  }
}
