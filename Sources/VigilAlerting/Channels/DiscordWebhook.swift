import VigilCore
import VigilNet

/// Discord webhook (`?wait=true`): content ≤ 2000 characters plus one embed per notice, mentions disabled so
/// check output can never ping `@everyone`. 429 is retried after its `retry_after`; 5xx retried; 4xx permanent
/// (10015 Unknown Webhook, 50035 Invalid Form Body).
public struct DiscordWebhook: Channel {
  public let name: String
  let url: String
  let transport: any HTTPTransport

  public init(name: String, url: String, transport: any HTTPTransport) {
    self.name = name
    self.url = url.contains("?") ? url : url + "?wait=true"
    self.transport = transport
  }

  public static func body(_ notification: AlertNotification) -> JSONValue {
    let embeds: [JSONValue] = notification.notices.prefix(10).map { notice in
      .object([
        "title": .string(
          ChatWebhook.truncate(
            "[\(notice.status.rawValue.uppercased())] \(notice.candidate.target)", characters: 256)),
        "description": .string(ChatWebhook.truncate(notice.candidate.summary, characters: 4096)),
        "color": .int(notice.status == .resolved ? 3_066_993 : 15_158_332),
        "fields": .array(
          notice.candidate.facts.prefix(25).map {
            .object([
              "name": .string(ChatWebhook.truncate($0.name, characters: 256)),
              "value": .string(ChatWebhook.truncate($0.value, characters: 1024)), "inline": .bool(false),
            ])
          }),
      ])
    }
    return .object([
      "content": .string(ChatWebhook.truncate(notification.title, characters: 2000)),
      "username": .string("Vigil"),
      "allowed_mentions": .object(["parse": .array([])]), "embeds": .array(embeds),
    ])
  }

  public func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    let response = try await ChatWebhook.post(url, Self.body(notification), transport: transport)
    if (200..<300).contains(response.status) { return }
    let retryAfter = (try? JSONValue.parse(response.body))?["retry_after"]?.doubleValue.map { String($0) }
    throw ChatWebhook.failure(response, url: url, hint: retryAfter)
  }
}
