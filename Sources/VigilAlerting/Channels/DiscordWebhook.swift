import VigilCore
import VigilNet

/// Discord webhook (`?wait=true`): content ≤ 2000 characters plus one embed per notice, mentions disabled so
/// check output can never ping `@everyone`. 429 is retried after its `retry_after`; 5xx retried; 4xx permanent
/// (10015 Unknown Webhook, 50035 Invalid Form Body).
package struct DiscordWebhook: Channel {
  package let name: String
  let url: String
  let transport: any HTTPTransport

  package init(name: String, url: String, transport: any HTTPTransport) {
    self.name = name
    self.url = url.contains("?") ? url : url + "?wait=true"
    self.transport = transport
  }

  /// Discord's limits: 10 embeds, and 6000 characters across all of them (titles, descriptions, field names
  /// and values), besides each part's own limit.
  static let maximumEmbeds = 10
  static let maximumEmbedCharacters = 6000

  package static func body(_ notification: AlertNotification) -> JSONValue {
    var left = maximumEmbedCharacters
    /// `text` cut to its own limit and to what is left of the 6000; nil when nothing is left.
    func fit(_ text: String, _ limit: Int) -> String? {
      let room = min(limit, left)
      guard room > 0, !text.isEmpty else { return nil }
      let shown = ChatWebhook.truncate(text, characters: room)
      left -= shown.count
      return shown
    }
    var embeds: [JSONValue] = []
    let wording = notification.wording
    for (notice, block) in zip(notification.notices, notification.blocks).prefix(maximumEmbeds) {
      guard
        let title = fit("[\(block.label ?? wording.status(notice.status))] \(notice.candidate.target)", 256)
      else {
        break
      }
      var embed: [String: JSONValue] = [
        "title": .string(title), "color": .int(notice.status == .resolved ? 3_066_993 : 15_158_332),
      ]
      // With a template, its filled text is the description; otherwise the summary, and the facts as fields.
      let description =
        notification.template?.text == nil
        ? block.headline : ([block.headline] + block.details).joined(separator: "\n")
      if let description = fit(description, 4096) { embed["description"] = .string(description) }
      var fields: [JSONValue] = []
      for fact in (notification.template?.text == nil ? notice.facts(in: wording) : []).prefix(25) {
        guard left > 2, let name = fit(fact.name, 256), let value = fit(fact.value, 1024)
        else { break }
        fields.append(.object(["name": .string(name), "value": .string(value), "inline": .bool(false)]))
      }
      embed["fields"] = .array(fields)
      embeds.append(.object(embed))
    }
    return .object([
      "content": .string(ChatWebhook.truncate(notification.title, characters: 2000)),
      "username": .string("Vigil"),
      "allowed_mentions": .object(["parse": .array([])]), "embeds": .array(embeds),
    ])
  }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    let response = try await ChatWebhook.post(url, Self.body(notification), transport: transport)
    if (200..<300).contains(response.status) { return }
    let retryAfter = (try? JSONValue.parse(response.body))?["retry_after"]?.doubleValue.map { String($0) }
    throw ChatWebhook.failure(response, url: url, hint: retryAfter)
  }
}

extension DiscordWebhook: ConfigurableChannel {
  package static let type = "discord"
  package static let keys = ["url"]

  package static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel {
    // The webhook path (id and token) is the secret.
    DiscordWebhook(
      name: name, url: try settings.vendorURL(secretPathSegments: 2), transport: settings.transport)
  }
}
