import VigilCore
import VigilNet

/// WeCom (企业微信) group robot: markdown message to `…/cgi-bin/webhook/send?key=KEY`, at most 4096 UTF-8 bytes
/// (longer texts are cut on a character boundary, so 40058 never happens). errcode 0 is sent; 45009 (rate
/// limit) and -1 (busy) are retried; every other code (93000 invalid key…) is permanent.
public struct WeComRobot: Channel {
  public let name: String
  let url: String
  let transport: any HTTPTransport

  public init(name: String, url: String, transport: any HTTPTransport) {
    self.name = name
    self.url = url
    self.transport = transport
  }

  /// The request body.
  public static func body(_ notification: AlertNotification) -> JSONValue {
    .object([
      "msgtype": .string("markdown"),
      "markdown": .object([
        "content": .string(VendorReply.truncate(VendorReply.markdown(notification), bytes: 4096))
      ]),
    ])
  }

  public func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    try await VendorReply.post(
      url, body: Self.body(notification), transport: transport, codeField: "errcode", messageField: "errmsg"
    ) { code, message in
      code == 45009 || code == -1
        ? .retryable(message + " (WeCom allows 20 messages a minute)") : .permanent(message)
    }
  }
}
