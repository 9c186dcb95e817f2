import VigilCore
import VigilCron
import VigilNet

/// Feishu / Lark custom bot: an interactive card to `…/open-apis/bot/v2/hook/TOKEN`, signed when a secret is set
/// (`timestamp` in seconds and `sign` = base64 HMAC-SHA256 of the empty string keyed with
/// `timestamp + "\n" + secret`, both in the body). code 0 is sent; 11232 (frequency limit) is retried; other
/// codes (19021 sign, 19024 keyword, 9499 bad request) are permanent.
package struct FeishuBot: Channel {
  package let name: String
  let url: String
  let secret: String?
  let transport: any HTTPTransport
  let clock: any WallClock

  package init(name: String, url: String, secret: String?, transport: any HTTPTransport, clock: any WallClock)
  {
    self.name = name
    self.url = url
    self.secret = secret
    self.transport = transport
    self.clock = clock
  }

  /// The `sign` body field for a timestamp in seconds.
  package static func sign(secret: String, timestamp: Int64) -> String {
    Base64.encode(Digest.hmac(.sha256, key: [UInt8]("\(timestamp)\n\(secret)".utf8), message: [UInt8]()))
  }

  /// The request body at `date`.
  package func body(_ notification: AlertNotification, at date: Instant) -> JSONValue {
    let firing = notification.notices.contains { $0.status != .resolved }
    var lines: [String] = []
    for block in notification.blocks {
      lines.append(block.label.map { "**\($0)** \(block.headline)" } ?? block.headline)
      lines += block.details
    }
    var body: [String: JSONValue] = [
      "msg_type": .string("interactive"),
      "card": .object([
        "config": .object(["wide_screen_mode": .bool(true)]),
        "header": .object([
          "title": .object(["tag": .string("plain_text"), "content": .string(notification.title)]),
          "template": .string(firing ? "red" : "green"),
        ]),
        "elements": .array([
          .object([
            "tag": .string("div"),
            "text": .object([
              "tag": .string("lark_md"),
              "content": .string(VendorReply.truncate(lines.joined(separator: "\n"), bytes: 18_000)),
            ]),
          ])
        ]),
      ]),
    ]
    if let secret, !secret.isEmpty {
      let timestamp = Int64(date.timeIntervalSince1970.rounded(.down))
      body["timestamp"] = .string(String(timestamp))
      body["sign"] = .string(Self.sign(secret: secret, timestamp: timestamp))
    }
    return .object(body)
  }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    try await VendorReply.post(
      url, body: body(notification, at: clock.now), transport: transport, codeField: "code",
      messageField: "msg"
    ) { code, message in
      code == 11232
        ? .throttled(message + " (Feishu frequency limit, next minute)", retryAfter: 60) : .permanent(message)
    }
  }
}

extension FeishuBot: ConfigurableChannel {
  package static let type = "feishu"
  package static let keys = ["url", "secret"]
  package static let secretKeys = ["secret"]

  package static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel {
    // The hook's last path segment is its token.
    FeishuBot(
      name: name, url: try settings.vendorURL(secretPathSegments: 1),
      secret: try settings.map.optional("secret")?.string(), transport: settings.transport,
      clock: settings.clock)
  }
}
