import VigilCore
import VigilCron
import VigilNet

/// DingTalk (钉钉) custom robot: markdown message to `…/robot/send?access_token=TOKEN`, signed when a secret is
/// set (`&timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256(secret, timestamp + "\n" + secret)>`). errcode 0
/// is sent; 130101 (too fast) is retried; 310000 (sign, keyword, IP) and token errors are permanent.
package struct DingTalkRobot: Channel {
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

  /// The `sign` query value for a millisecond timestamp.
  package static func sign(secret: String, timestampMs: Int64) -> String {
    let digest = Digest.hmac(
      .sha256, key: [UInt8](secret.utf8), message: [UInt8]("\(timestampMs)\n\(secret)".utf8))
    return FormEncoding.percentEncode(Base64.encode(digest))
  }

  /// The URL with timestamp and signature appended (unchanged without a secret).
  package func signedURL(at date: Instant) -> String {
    guard let secret, !secret.isEmpty else { return url }
    let timestamp = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    return
      "\(url)\(url.contains("?") ? "&" : "?")timestamp=\(timestamp)&sign=\(Self.sign(secret: secret, timestampMs: timestamp))"
  }

  /// The request body.
  package static func body(_ notification: AlertNotification) -> JSONValue {
    .object([
      "msgtype": .string("markdown"),
      "markdown": .object([
        "title": .string(notification.title),
        "text": .string(VendorReply.truncate(VendorReply.markdown(notification), bytes: 20_000)),
      ]),
    ])
  }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    try await VendorReply.post(
      signedURL(at: clock.now), body: Self.body(notification), transport: transport, codeField: "errcode",
      messageField: "errmsg"
    ) { code, message in
      code == 130101
        ? .throttled(message + " (DingTalk throttles for 10 minutes)", retryAfter: 600) : .permanent(message)
    }
  }
}

extension DingTalkRobot: ConfigurableChannel {
  package static let type = "dingtalk"
  package static let keys = ["url", "secret"]
  package static let secretKeys = ["secret"]

  package static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel {
    DingTalkRobot(
      name: name, url: try settings.vendorURL("url"), secret: try settings.map.optional("secret")?.string(),
      transport: settings.transport, clock: settings.clock)
  }
}
