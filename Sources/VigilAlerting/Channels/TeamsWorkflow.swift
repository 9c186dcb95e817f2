import VigilCore
import VigilNet

/// Microsoft Teams Workflows webhook with an Adaptive Card (version 1.4, the newest Teams renders). 202 (or any
/// 2xx) is sent; 429/5xx are retried; 400/401 (bad trigger or `sig`) are permanent. The `sig` query value is the
/// secret and is kept out of messages.
package struct TeamsWorkflow: Channel {
  package let name: String
  let url: String
  let transport: any HTTPTransport

  package init(name: String, url: String, transport: any HTTPTransport) {
    self.name = name
    self.url = url
    self.transport = transport
  }

  package static func body(_ notification: AlertNotification) -> JSONValue {
    let firing = notification.notices.contains { $0.status != .resolved }
    var blocks: [JSONValue] = [
      .object([
        "type": .string("TextBlock"), "text": .string(notification.title), "weight": .string("Bolder"),
        "size": .string("Medium"), "wrap": .bool(true), "style": .string("heading"),
        "color": .string(firing ? "Attention" : "Good"),
      ])
    ]
    for block in notification.blocks {
      let details = block.details.joined(separator: "\n\n")
      blocks.append(
        .object([
          "type": .string("TextBlock"),
          "text": .string(
            (block.label.map { "**\($0)** \(block.headline)" } ?? block.headline) + "\n\n\(details)"),
          "wrap": .bool(true),
        ]))
    }
    return .object([
      "type": .string("message"),
      "attachments": .array([
        .object([
          "contentType": .string("application/vnd.microsoft.card.adaptive"), "contentUrl": .null,
          "content": .object([
            "$schema": .string("http://adaptivecards.io/schemas/adaptive-card.json"),
            "type": .string("AdaptiveCard"),
            "version": .string("1.4"), "body": .array(blocks), "msteams": .object(["width": .string("Full")]),
          ]),
        ])
      ]),
    ])
  }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    let response = try await ChatWebhook.post(url, Self.body(notification), transport: transport)
    if (200..<300).contains(response.status) { return }
    throw ChatWebhook.failure(response, url: url)
  }
}

extension TeamsWorkflow: ConfigurableChannel {
  package static let type = "teams"
  package static let keys = ["url"]

  package static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel {
    TeamsWorkflow(name: name, url: try settings.vendorURL("url"), transport: settings.transport)
  }
}
