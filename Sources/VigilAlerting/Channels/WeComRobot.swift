import VigilCore
import VigilNet

/// WeCom (企业微信) group robot, to `…/cgi-bin/webhook/send?key=KEY`: markdown (≤ 4096 UTF-8 bytes), or text
/// (≤ 2048 bytes) when people must be paged by mobile number or userid (markdown cannot mention mobiles).
/// Longer texts are cut on a character boundary, so 40058 never happens. errcode 0 is sent; 45009 (rate
/// limit) and -1 (busy) are retried; every other code (93000 invalid key…) is permanent.
package struct WeComRobot: Channel {
  package let name: String
  let url: String
  let transport: any HTTPTransport
  /// `markdown` (default) or `text`.
  let messageType: String
  let mentionedMobiles: [String]
  let mentionedUsers: [String]

  package init(
    name: String, url: String, transport: any HTTPTransport, messageType: String = "markdown",
    mentionedMobiles: [String] = [], mentionedUsers: [String] = []
  ) {
    self.name = name
    self.url = url
    self.transport = transport
    self.messageType = messageType
    self.mentionedMobiles = mentionedMobiles
    self.mentionedUsers = mentionedUsers
  }

  /// The markdown request body.
  package static func body(_ notification: AlertNotification) -> JSONValue {
    .object([
      "msgtype": .string("markdown"),
      "markdown": .object([
        "content": .string(VendorReply.truncate(VendorReply.markdown(notification), bytes: 4096))
      ]),
    ])
  }

  /// The body this channel sends.
  package func requestBody(_ notification: AlertNotification) -> JSONValue {
    guard messageType == "text" else { return Self.body(notification) }
    var text: [String: JSONValue] = ["content": .string(VendorReply.truncate(notification.text, bytes: 2048))]
    if !mentionedMobiles.isEmpty {
      text["mentioned_mobile_list"] = .array(mentionedMobiles.map { .string($0) })
    }
    if !mentionedUsers.isEmpty { text["mentioned_list"] = .array(mentionedUsers.map { .string($0) }) }
    return .object(["msgtype": .string("text"), "text": .object(text)])
  }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    try await VendorReply.post(
      url, body: requestBody(notification), transport: transport, codeField: "errcode", messageField: "errmsg"
    ) { code, message in
      code == 45009
        ? .throttled(message + " (WeCom allows 20 messages a minute)", retryAfter: 60)
        : code == -1 ? .retryable(message + " (WeCom is busy)") : .permanent(message)
    }
  }
}

extension WeComRobot: ConfigurableChannel {
  package static let type = "wecom"
  package static let keys = ["url", "msgtype", "mentionedMobiles", "mentionedUsers"]

  package static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel {
    let map = settings.map
    let messageType = try map.optional("msgtype")?.string() ?? "markdown"
    guard messageType == "markdown" || messageType == "text" else {
      throw try map.required("msgtype").error(
        "'msgtype' must be markdown or text, found \(try map.required("msgtype").shown(messageType))")
    }
    return WeComRobot(
      name: name, url: try settings.vendorURL("url"), transport: settings.transport, messageType: messageType,
      mentionedMobiles: try map.optional("mentionedMobiles")?.stringList() ?? [],
      mentionedUsers: try map.optional("mentionedUsers")?.stringList() ?? [])
  }
}
