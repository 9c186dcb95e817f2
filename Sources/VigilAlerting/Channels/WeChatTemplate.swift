import VigilCore
import VigilCron
import VigilNet

/// WeChat official account (公众号) template message, one per recipient openid.
///
/// The access token comes from `stable_token` (which does not invalidate other holders' tokens, so many FaaS
/// instances can share an account), is cached in the state folder under a lock and refreshed 5 minutes early;
/// on 40001/40014/42001 it is refetched once and the send retried once. `client_msg_id` is derived from the
/// delivery and recipient, so WeChat drops a duplicate within 10 minutes. 45009 and -1 are retried; 43004
/// (unfollowed), 40003, 40037, 40164 are permanent.
package struct WeChatTemplate: Channel {
  package let name: String
  let apiBase: String
  let appID: String
  let appSecret: String
  let templateID: String
  let recipients: [String]
  /// Template keyword → text with placeholders (`AlertNotification.fill`).
  let fields: [(keyword: String, template: String)]
  let transport: any HTTPTransport
  let clock: any WallClock
  let state: any StateStore

  package init(
    name: String, apiBase: String = "https://api.weixin.qq.com", appID: String, appSecret: String,
    templateID: String,
    recipients: [String], fields: [(keyword: String, template: String)], transport: any HTTPTransport,
    clock: any WallClock,
    state: any StateStore
  ) {
    self.name = name
    self.apiBase = apiBase
    self.appID = appID
    self.appSecret = appSecret
    self.templateID = templateID
    self.recipients = recipients
    self.fields = fields
    self.transport = transport
    self.clock = clock
    self.state = state
  }

  struct CachedToken: Codable {
    var token: String
    var expiresAt: Instant
  }

  var tokenKey: String { "channels/wechat/\(StateKey.segment(appID))-token.json" }

  /// A valid access token: the cached one, or a fresh one (forced when WeChat rejected the cached one).
  func accessToken(forceRefresh: Bool) async throws(ChannelError) -> String {
    if !forceRefresh, let cached = try? await state.readJSON(CachedToken.self, tokenKey),
      cached.expiresAt > clock.now
    {
      return cached.token
    }
    let body = JSONValue.object([
      "grant_type": .string("client_credential"), "appid": .string(appID), "secret": .string(appSecret),
      "force_refresh": .bool(forceRefresh),
    ])
    let response = try await ChatWebhook.post("\(apiBase)/cgi-bin/stable_token", body, transport: transport)
    guard let json = try? JSONValue.parse(response.body) else {
      throw .retryable("WeChat stable_token answered HTTP \(response.status) without JSON")
    }
    guard let token = json["access_token"]?.stringValue, let lifetime = json["expires_in"]?.doubleValue else {
      let code = json["errcode"]?.intValue ?? 0
      let message = "WeChat stable_token: errcode \(code): \(json["errmsg"]?.stringValue ?? "")"
      throw code == -1 || code == 45009 ? .retryable(message) : .permanent(message)
    }
    Redactor.shared.register(token)
    // stable_token gives every caller the same token until it expires, so the last writer wins harmlessly.
    try? await state.writeJSON(
      tokenKey, CachedToken(token: token, expiresAt: clock.now.addingTimeInterval(max(60, lifetime - 300))))
    return token
  }

  /// The template body for one recipient.
  package func body(_ notification: AlertNotification, openID: String, clientMessageID: String) -> JSONValue {
    var data: [String: JSONValue] = [:]
    for field in fields {
      data[field.keyword] = .object([
        "value": .string(String(notification.fill(field.template).removingLineBreaks.prefix(20)))
      ])
    }
    return .object([
      "touser": .string(openID), "template_id": .string(templateID),
      "client_msg_id": .string(clientMessageID), "data": .object(data),
    ])
  }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    for openID in recipients {
      let clientMessageID = String(
        Digest.hex(Digest.hash(.sha256, [UInt8]("\(idempotencyKey)/\(openID)".utf8))).prefix(32))
      let body = self.body(notification, openID: openID, clientMessageID: clientMessageID)
      var token = try await accessToken(forceRefresh: false)
      for attempt in 0..<2 {
        let url = "\(apiBase)/cgi-bin/message/template/send?access_token=\(token)"
        let response = try await ChatWebhook.post(
          url, body, transport: transport, shownAs: "\(apiBase)/cgi-bin/message/template/send")
        guard let json = try? JSONValue.parse(response.body), let code = json["errcode"]?.intValue else {
          throw .retryable("WeChat template send answered HTTP \(response.status) without an errcode")
        }
        if code == 0 { break }
        let message =
          "WeChat template send to \(openID): errcode \(code): \(json["errmsg"]?.stringValue ?? "")"
        if [40001, 40014, 42001].contains(code) && attempt == 0 {
          token = try await accessToken(forceRefresh: true)
          continue
        }
        throw code == -1 || code == 45009 ? .retryable(message) : .permanent(message)
      }
    }
  }
}

extension WeChatTemplate: ConfigurableChannel {
  package static let type = "wechat"
  package static let keys = ["appId", "appSecret", "templateId", "openIds", "fields", "apiBase"]
  package static let secretKeys = ["appSecret"]

  package static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel {
    let map = settings.map
    let apiBase = try settings.vendorURL("apiBase", default: "https://api.weixin.qq.com")
    let openIDs = try map.required("openIds").stringList()
    if openIDs.isEmpty { throw try map.required("openIds").error("'openIds' is empty") }
    let fields =
      try map.optional("fields")?.stringMap().sorted { $0.key < $1.key }.map {
        (keyword: $0.key, template: $0.value)
      }
      ?? [
        ("keyword1", "{target}"), ("keyword2", "{status}"), ("keyword3", "{summary}"),
        ("keyword4", "{since}"),
      ]
    guard let state = settings.state else {
      throw settings.item.error("the wechat channel needs a state folder for its access token")
    }
    return WeChatTemplate(
      name: name, apiBase: apiBase, appID: try map.required("appId").string(),
      appSecret: try map.required("appSecret").string(), templateID: try map.required("templateId").string(),
      recipients: openIDs, fields: fields, transport: settings.transport, clock: settings.clock, state: state)
  }
}
