import VigilCore
import VigilNet

/// ServerChan (Server酱) Turbo: `POST https://sctapi.ftqq.com/<SENDKEY>.send` with a title (≤ 32 characters) and
/// markdown. `code 0` is sent; anything else is a failure (the free tier's daily quota is retried later).
public struct ServerChan: Channel {
  public let name: String
  let url: String
  let transport: any HTTPTransport

  public init(name: String, url: String, transport: any HTTPTransport) {
    self.name = name
    self.url = url
    self.transport = transport
  }

  public static func body(_ notification: AlertNotification) -> JSONValue {
    .object([
      "title": .string(ChatWebhook.truncate(notification.title, characters: 32)),
      "desp": .string(VendorReply.markdown(notification)),
    ])
  }

  public func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    try await VendorReply.post(
      url, body: Self.body(notification), transport: transport, codeField: "code", messageField: "message"
    ) { _, message in
      .retryable(message + " (ServerChan refuses over its quota; retried later)")
    }
  }
}
