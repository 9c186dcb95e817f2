import VigilCore
import VigilNet

/// Slack incoming webhook: a mrkdwn section with a plain `text` fallback. Only HTTP 200 with the body `ok` is
/// sent; 429/5xx are retried; the rest (404 `no_service`, 403 `invalid_token`, 410 archived) are permanent.
package struct SlackWebhook: Channel {
  package let name: String
  let url: String
  let transport: any HTTPTransport

  package init(name: String, url: String, transport: any HTTPTransport) {
    self.name = name
    self.url = url
    self.transport = transport
  }

  package static func body(_ notification: AlertNotification) -> JSONValue {
    let text = notification.blocks.map { block in
      (block.label.map { "*\(ChatWebhook.escapeMarkup($0))* " } ?? "")
        + ChatWebhook.escapeMarkup(block.headline)
        + "\n" + block.details.map { "• \(ChatWebhook.escapeMarkup($0))" }.joined(separator: "\n")
    }.joined(separator: "\n\n")
    return .object([
      "text": .string(ChatWebhook.escapeMarkup(notification.title)),
      "blocks": .array([
        .object([
          "type": .string("header"),
          "text": .object([
            "type": .string("plain_text"),
            "text": .string(ChatWebhook.truncate(notification.title, characters: 150)),
          ]),
        ]),
        .object([
          "type": .string("section"),
          "text": .object([
            "type": .string("mrkdwn"), "text": .string(ChatWebhook.truncate(text, characters: 3000)),
          ]),
        ]),
      ]),
    ])
  }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    let response = try await ChatWebhook.post(url, Self.body(notification), transport: transport)
    let body = String(decoding: response.body.prefix(64), as: UTF8.self).trimming(" \n")
    if response.status == 200 && body == "ok" { return }
    if response.status == 200 {
      throw .retryable("\(Redactor.redactURL(url)) answered 200 but not 'ok': \(body)")
    }
    throw ChatWebhook.failure(response, url: url)
  }
}

extension SlackWebhook: ConfigurableChannel {
  package static let type = "slack"
  package static let keys = ["url"]

  package static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel {
    // The webhook path is the secret.
    SlackWebhook(
      name: name, url: try settings.vendorURL(secretPathSegments: 2), transport: settings.transport)
  }
}
