import VigilCore
import VigilCron
import VigilNet

/// ServerChan (Server酱) Turbo: `POST https://sctapi.ftqq.com/<SENDKEY>.send` with a title (≤ 32 characters) and
/// markdown. `code 0` is sent; anything else is a failure (the free tier's daily quota is retried later).
package struct ServerChan: Channel {
  package let name: String
  let url: String
  let transport: any HTTPTransport

  package init(name: String, url: String, transport: any HTTPTransport) {
    self.name = name
    self.url = url
    self.transport = transport
  }

  package static func body(_ notification: AlertNotification) -> JSONValue {
    .object([
      "title": .string(ChatWebhook.truncate(notification.title, characters: 32)),
      "desp": .string(VendorReply.markdown(notification)),
    ])
  }

  /// The SendKey: the last path segment without `.send`. It is the whole credential, so it is never shown.
  static func sendKey(in url: String) -> String? {
    guard let last = url.split(separator: "/").last else { return nil }
    let key = last.hasSuffix(".send") ? last.dropLast(5) : last
    return key.isEmpty ? nil : String(key)
  }

  /// The URL as errors show it: the SendKey replaced by `***`.
  var shownURL: String {
    guard let key = Self.sendKey(in: url) else { return Redactor.redactURL(url) }
    return Redactor.redactURL(url.replacingEvery(key, with: "***"))
  }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    try await VendorReply.post(
      url, shownAs: shownURL, body: Self.body(notification), transport: transport, codeField: "code",
      messageField: "message"
    ) { _, message in
      .retryable(message + " (ServerChan refuses over its quota; retried later)")
    }
  }
}

extension ServerChan: ConfigurableChannel {
  package static let type = "serverchan"
  package static let keys = ["url"]

  package static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel {
    let url = try settings.vendorURL("url")
    if let key = ServerChan.sendKey(in: url) { Redactor.shared.register(key) }
    return ServerChan(name: name, url: url, transport: settings.transport)
  }
}
