import VigilCore
import VigilCron
import VigilNet

/// Reads `custom.vigil.channels` and `custom.vigil.alerting` from serverless.yml.
///
/// ```yaml
/// custom:
///   vigil:
///     channels:
///       ops-hook: {type: webhook, url: '${env:OPS_WEBHOOK_URL}', secret: '${env:OPS_WEBHOOK_SECRET}'}
///     alerting:
///       trigger: {consecutive: 3}          # or {nOfM: [3, 5]}, or {movingAverage: {samples: 3, above: 85}}
///       recoverAfter: 2
///       escalation: [1m, 10m, 60m, 240m, 1440m]   # or [{after: 10m, channels: [sms]}]
///       repeatEvery: 30m
///       sendResolved: true
///       channels: [console, ops-hook]
/// ```
package enum AlertingConfig {
  /// Channel types this build has; the others are planned (issue 5).
  static let builtTypes = [
    "console", "webhook", "smtp", "wecom", "dingtalk", "feishu", "slack", "discord", "telegram", "pagerduty",
    "tencent-sms", "wechat", "serverchan", "teams",
  ]
  static let plannedTypes: [String] = []

  /// The configured channels by name (`console` always exists).
  package static func channels(
    _ value: ConfigValue?, logger: Logger, transport: any HTTPTransport, clock: any WallClock = SystemClock(),
    state: (any StateStore)? = nil, language: NoticeLanguage = .en
  ) throws(ConfigError) -> [String: any Channel] {
    var channels: [String: any Channel] = [
      "console": PresentedChannel(ConsoleChannel(logger: logger), language: language, template: nil)
    ]
    guard let value, case .mapping(let entries) = value.node.kind else {
      if let value, !value.isNull {
        throw value.error("'custom.vigil.channels' maps channel names to their settings")
      }
      return channels
    }
    for entry in entries {
      // `language` and `template` are every channel's; the rest is its type's.
      let whole = ConfigValue(
        entry.value, path: "\(value.path).\(entry.key)", substitution: value.substitution)
      let (withoutLanguage, languageValue) = whole.splitting("language")
      let (item, templateValue) = withoutLanguage.splitting("template")
      let own = try languageValue.map { v throws(ConfigError) in try NoticeLanguage.read(v) } ?? language
      let template = try templateValue.map { v throws(ConfigError) in try MessageTemplate.read(v) }
      defer {
        if let built = channels[entry.key] {
          channels[entry.key] = PresentedChannel(built, language: own, template: template)
        }
      }
      guard case .mapping(let fields) = entry.value.kind,
        let typeNode = fields.first(where: { $0.key == "type" })?.value
      else {
        throw ConfigError(
          entry.keyMark,
          "channel '\(entry.key)' needs a 'type' (\((builtTypes + plannedTypes).joined(separator: ", ")))")
      }
      let type = try ConfigValue(typeNode, path: "\(item.path).type", substitution: value.substitution)
        .string()
      switch type {
      case "console":
        _ = try item.mapping(allowed: ["type"])
        channels[entry.key] = ConsoleChannel(name: entry.key, logger: logger)
      case "webhook":
        let map = try item.mapping(allowed: ["type", "url", "secret", "headers", "timeout"])
        let urlValue = try map.required("url")
        let url = try urlValue.string()
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
          throw urlValue.error(
            "'url' must be an http(s) URL, found \(urlValue.shown(Redactor.redactURL(url)))")
        }
        Redactor.shared.registerSecrets(inURL: url)
        let secret = try map.optional("secret")?.string()
        if let secret { Redactor.shared.register(secret) }
        let headers = try map.optional("headers")?.stringMap() ?? [:]
        for (name, headerValue) in headers where name.containsLineBreak || headerValue.containsLineBreak {
          throw (map.optional("headers") ?? item).error("header '\(name.excerpt())' contains a line break")
        }
        channels[entry.key] = WebhookChannel(
          name: entry.key, url: url, secret: secret,
          headers: headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
          transport: transport, timeout: try map.optional("timeout")?.duration(within: 0.001...300) ?? 10)
      case "smtp":
        channels[entry.key] = try smtp(name: entry.key, item, clock: clock)
      case "serverchan", "teams":
        let map = try item.mapping(allowed: ["type", "url"])
        let url = try vendorURL(map, "url")
        Redactor.shared.registerSecrets(inURL: url)
        if type == "serverchan", let key = ServerChan.sendKey(in: url) {
          Redactor.shared.register(key)
        }
        channels[entry.key] =
          type == "serverchan"
          ? ServerChan(name: entry.key, url: url, transport: transport)
          : TeamsWorkflow(name: entry.key, url: url, transport: transport)
      case "wechat":
        let map = try item.mapping(allowed: [
          "type", "appId", "appSecret", "templateId", "openIds", "fields", "apiBase",
        ])
        let secret = try map.required("appSecret").string()
        Redactor.shared.register(secret)
        let apiBase = try vendorURL(map, "apiBase", default: "https://api.weixin.qq.com")
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
        guard let state else {
          throw item.error("the wechat channel needs a state folder for its access token")
        }
        channels[entry.key] = WeChatTemplate(
          name: entry.key, apiBase: apiBase, appID: try map.required("appId").string(), appSecret: secret,
          templateID: try map.required("templateId").string(), recipients: openIDs, fields: fields,
          transport: transport,
          clock: clock, state: state)
      case "slack", "discord":
        let map = try item.mapping(allowed: ["type", "url"])
        let url = try vendorURL(map, "url")
        // The webhook path is the secret for both.
        Redactor.shared.register(String(url.split(separator: "/").suffix(2).joined(separator: "/")))
        channels[entry.key] =
          type == "slack"
          ? SlackWebhook(name: entry.key, url: url, transport: transport)
          : DiscordWebhook(name: entry.key, url: url, transport: transport)
      case "telegram":
        let map = try item.mapping(allowed: ["type", "token", "chatId", "apiBase"])
        let token = try map.required("token").string()
        Redactor.shared.register(token)
        let apiBase = try vendorURL(map, "apiBase", default: "https://api.telegram.org")
        channels[entry.key] = TelegramBot(
          name: entry.key, apiBase: apiBase, token: token, chatID: try map.required("chatId").string(),
          transport: transport)
      case "tencent-sms":
        let map = try item.mapping(allowed: [
          "type", "secretId", "secretKey", "region", "endpoint", "appId", "signName", "templateId",
          "templateParams", "maxParamLength", "phoneNumbers",
        ])
        let secretKey = try map.required("secretKey").string()
        Redactor.shared.register(secretKey)
        let endpoint = try vendorURL(map, "endpoint", default: "https://sms.tencentcloudapi.com/")
        var numbers: [String] = []
        for number in try map.required("phoneNumbers").list() {
          let text = try number.string()
          guard text.hasPrefix("+"), text.dropFirst().allSatisfy(\.isNumber), (8...16).contains(text.count)
          else {
            throw number.error("'\(text.excerpt())' is not an E.164 number like +8618511122266")
          }
          numbers.append(text)
        }
        guard (1...200).contains(numbers.count) else {
          throw try map.required("phoneNumbers").error("'phoneNumbers' takes 1-200 numbers")
        }
        channels[entry.key] = TencentSMS(
          name: entry.key, endpoint: endpoint,
          signer: TC3Signer(
            secretID: try map.required("secretId").string(), secretKey: secretKey, service: "sms",
            host: "sms.tencentcloudapi.com"),
          region: try map.optional("region")?.string() ?? "ap-guangzhou",
          appID: try map.required("appId").string(),
          signName: try map.required("signName").string(),
          templateID: try map.required("templateId").string(),
          templateParams: try map.optional("templateParams")?.stringList() ?? ["{target}", "{status}"],
          maxParamLength: try map.optional("maxParamLength")?.int(within: 1...500) ?? 20,
          phoneNumbers: numbers,
          transport: transport,
          clock: clock, state: state)
      case "pagerduty":
        let map = try item.mapping(allowed: ["type", "routingKey", "url"])
        let key = try map.required("routingKey").string()
        Redactor.shared.register(key)
        let url = try vendorURL(map, "url", default: "https://events.pagerduty.com/v2/enqueue")
        channels[entry.key] = PagerDutyEvents(
          name: entry.key, url: url, routingKey: key, transport: transport)
      case "wecom", "dingtalk", "feishu":
        let map = try item.mapping(
          allowed: type == "wecom"
            ? ["type", "url", "msgtype", "mentionedMobiles", "mentionedUsers"] : ["type", "url", "secret"])
        let url = try vendorURL(map, "url")
        Redactor.shared.registerSecrets(inURL: url)
        if let token = url.split(separator: "/").last, type == "feishu" {
          Redactor.shared.register(String(token))
        }
        let secret = try map.optional("secret")?.string()
        if let secret { Redactor.shared.register(secret) }
        switch type {
        case "wecom":
          let messageType = try map.optional("msgtype")?.string() ?? "markdown"
          guard messageType == "markdown" || messageType == "text" else {
            throw try map.required("msgtype").error(
              "'msgtype' must be markdown or text, found \(try map.required("msgtype").shown(messageType))")
          }
          channels[entry.key] = WeComRobot(
            name: entry.key, url: url, transport: transport, messageType: messageType,
            mentionedMobiles: try map.optional("mentionedMobiles")?.stringList() ?? [],
            mentionedUsers: try map.optional("mentionedUsers")?.stringList() ?? [])
        case "dingtalk":
          channels[entry.key] = DingTalkRobot(
            name: entry.key, url: url, secret: secret, transport: transport, clock: clock)
        default:
          channels[entry.key] = FeishuBot(
            name: entry.key, url: url, secret: secret, transport: transport, clock: clock)
        }
      default:
        if plannedTypes.contains(type) {
          throw ConfigError(
            typeNode.mark,
            "channel type '\(type)' is not built yet (issue 5); built: \(builtTypes.joined(separator: ", "))")
        }
        throw ConfigError(
          typeNode.mark,
          "unknown channel type '\(type)'; expected one of: \((builtTypes + plannedTypes).joined(separator: ", "))"
        )
      }
    }
    return channels
  }

  /// The keys of an `alerting:` mapping, the project's or a function's.
  package static let policyKeys = [
    "trigger", "recoverAfter", "escalation", "repeatEvery", "sendResolved", "channels", "fallback",
    "timezone",
    "ignoreHours", "quietHours", "maintenance", "flap",
  ]

  /// The keys of the project's `alerting:` (a function's cannot set where acknowledgement links point, nor the
  /// language).
  package static let projectKeys = policyKeys + ["acknowledge", "language"]

  /// `language:` of the project's `alerting:` (default en).
  package static func language(_ alerting: ConfigValue?) throws(ConfigError) -> NoticeLanguage {
    guard let alerting, !alerting.isNull,
      let value = try alerting.mapping(allowed: projectKeys).optional("language")
    else { return .en }
    return try NoticeLanguage.read(value)
  }

  /// The alerting policy; every channel it names must exist in `channels`. `base` is what the keys `value`
  /// does not name are (a function's `alerting:` over the project's policy); without one, the defaults with
  /// `zone`. A key named replaces the base's whole setting (a list is not merged); naming `channels` without
  /// `fallback` drops the base's fallback chain.
  package static func policy(
    _ value: ConfigValue?, channels: [String: any Channel], zone: Zone = .utc, over base: AlertPolicy? = nil,
    allowed: [String] = policyKeys
  ) throws(ConfigError) -> AlertPolicy {
    var policy = base ?? AlertPolicy()
    if base == nil { policy.zone = zone }
    guard let value, !value.isNull else { return policy }
    let map = try value.mapping(allowed: allowed)
    if map.optional("channels") != nil && map.optional("fallback") == nil { policy.fallback = [] }
    if map.optional("ignoreHours") != nil { policy.ignoreHours = [] }
    if map.optional("maintenance") != nil { policy.maintenance = [] }
    /// A setting's value; nil when absent, or when written `false`, which turns off what the base has (a
    /// function that must not wait out the project's quiet hours).
    func enabled(_ key: String, orElse turnOff: () -> Void) -> ConfigValue? {
      guard let value = map.optional(key) else { return nil }
      guard !isOff(value) else {
        turnOff()
        return nil
      }
      return value
    }
    if let flap = enabled("flap", orElse: { policy.flap = nil }) {
      let fields = try flap.mapping(allowed: ["window", "changes"])
      let detection = AlertPolicy.FlapDetection(
        window: try fields.optional("window").map { v throws(ConfigError) in try positive(v) } ?? 10,
        changes: try fields.optional("changes").map { v throws(ConfigError) in try positive(v) } ?? 4)
      guard detection.changes < detection.window else {
        throw flap.error("'flap.changes' must be smaller than 'flap.window'")
      }
      policy.flap = detection
    }
    if let zoneValue = map.optional("timezone") {
      let name = try zoneValue.string()
      do { policy.zone = try Zone.named(name) } catch { throw zoneValue.error("\(error)") }
    }
    if let hours = map.optional("ignoreHours") {
      for hour in try hours.list() {
        let number = try hour.int()
        guard (0...23).contains(number) else { throw hour.error("an hour must be 0-23, found \(number)") }
        policy.ignoreHours.insert(number)
      }
    }
    if let quiet = enabled("quietHours", orElse: { policy.quietHours = nil }) {
      let fields = try quiet.mapping(allowed: ["from", "to"])
      let from = try fields.required("from").int()
      let to = try fields.required("to").int()
      guard (0...23).contains(from), (0...23).contains(to), from != to else {
        throw quiet.error("'quietHours' needs from and to hours 0-23 that differ, e.g. {from: 23, to: 7}")
      }
      policy.quietHours = .init(from: from, to: to)
    }
    for window in try map.optional("maintenance")?.list() ?? [] {
      let fields = try window.mapping(allowed: ["cron", "duration"])
      let cronValue = try fields.required("cron")
      let text = try cronValue.string()
      let cron: CronExpression
      do { cron = try CronExpression(text) } catch { throw cronValue.error(error.description) }
      policy.maintenance.append(
        .init(cron: cron, duration: try fields.required("duration").duration(within: 1...31 * 86_400)))
    }
    if let trigger = map.optional("trigger") {
      let fields = try trigger.mapping(allowed: ["consecutive", "nOfM", "movingAverage"])
      guard fields.entries.count == 1 else {
        throw trigger.error("'trigger' takes one of consecutive, nOfM, movingAverage")
      }
      if let count = fields.optional("consecutive") {
        policy.trigger = .consecutive(try positive(count))
      } else if let pair = fields.optional("nOfM") {
        let numbers = try pair.list()
        guard numbers.count == 2 else {
          throw pair.error("'nOfM' is [N, M]: N failures in the last M samples")
        }
        let (n, m) = (try positive(numbers[0]), try positive(numbers[1]))
        guard n <= m else { throw pair.error("'nOfM': N (\(n)) cannot exceed M (\(m))") }
        policy.trigger = .nOfM(n: n, m: m)
      } else if let average = fields.optional("movingAverage") {
        let settings = try average.mapping(allowed: ["samples", "above"])
        policy.trigger = .movingAverage(
          samples: try positive(try settings.required("samples")),
          above: try settings.required("above").double())
      }
    }
    if let recover = map.optional("recoverAfter") { policy.recoverAfter = try positive(recover) }
    if let repeatEvery = enabled("repeatEvery", orElse: { policy.repeatEvery = nil }) {
      policy.repeatEvery = try repeatEvery.duration(within: 1...31 * 86_400)
    }
    if let sendResolved = map.optional("sendResolved") { policy.sendResolved = try sendResolved.bool() }
    if let names = map.optional("channels") {
      policy.channels = try channelNames(names, channels: channels)
    }
    if let chain = map.optional("fallback") {
      policy.fallback = try channelNames(chain, channels: channels)
      guard policy.fallback.count >= 2 else {
        throw chain.error("'fallback' is a chain of at least two channels, e.g. [wecom, dingtalk, sms, mail]")
      }
      // Notifications start at the head of the chain.
      policy.channels = [policy.fallback[0]]
    }
    if let steps = map.optional("escalation") {
      var escalation: [AlertPolicy.EscalationStep] = []
      for step in try steps.list() {
        if case .mapping = step.node.kind {
          let fields = try step.mapping(allowed: ["after", "channels"])
          escalation.append(
            .init(
              offset: try fields.required("after").duration(within: 0...31 * 86_400),
              channels: try fields.optional("channels").map { v throws(ConfigError) in
                try channelNames(v, channels: channels)
              }))
        } else {
          escalation.append(.init(offset: try step.duration(within: 0...31 * 86_400)))
        }
      }
      for (previous, next) in zip(escalation, escalation.dropFirst()) where next.offset <= previous.offset {
        throw steps.error("escalation offsets must increase")
      }
      policy.escalation = escalation
    }
    return policy
  }

  /// Whether a setting is written as `false` (off).
  static func isOff(_ value: ConfigValue) -> Bool {
    guard case .scalar = value.node.kind else { return false }
    return (try? value.bool()) == false
  }

  private static func smtp(name: String, _ item: ConfigValue, clock: any WallClock) throws(ConfigError)
    -> SMTPChannel
  {
    let map = try item.mapping(allowed: [
      "type", "url", "username", "password", "from", "to", "caFile", "insecure",
    ])
    let urlValue = try map.required("url")
    let url = try urlValue.string()
    guard url.hasPrefix("smtps://") || url.hasPrefix("smtp://") else {
      throw urlValue.error(
        "'url' must be smtps://host:465 (implicit TLS) or smtp://host:587 (STARTTLS, required), found \(urlValue.shown(Redactor.redactURL(url)))"
      )
    }
    let password = try map.optional("password")?.string()
    if let password { Redactor.shared.register(password) }
    let fromValue = try map.required("from")
    guard let from = MailMessage.Address(try fromValue.string()) else {
      throw fromValue.error(
        "'from' must be one address like alerts@example.com or 'Vigil <alerts@example.com>'")
    }
    var to: [MailMessage.Address] = []
    for recipient in try map.required("to").list() {
      guard let address = MailMessage.Address(try recipient.string()) else {
        throw recipient.error(
          "'\((try? recipient.string()) ?? "")' is not one e-mail address (no spaces, commas, line breaks or angle brackets)"
        )
      }
      to.append(address)
    }
    if to.isEmpty { throw try map.required("to").error("'to' is empty: list at least one recipient") }
    return SMTPChannel(
      name: name, url: url, username: try map.optional("username")?.string(), password: password, from: from,
      to: to,
      caFile: try map.optional("caFile")?.string(), insecure: try map.optional("insecure")?.bool() ?? false,
      clock: clock)
  }

  /// A vendor URL from `key` (or `fallback`): https://, or http:// only to a loopback stand-in.
  private static func vendorURL(
    _ map: ConfigMapping, _ key: String, default fallback: String? = nil
  ) throws(ConfigError) -> String {
    let value: ConfigValue
    if let present = map.optional(key) {
      value = present
    } else if let fallback {
      return fallback
    } else {
      value = try map.required(key)  // throws the usual "missing the required key" error
    }
    let url = try value.string()
    guard VendorReply.allowed(url) else {
      throw value.error(
        "'\(key)' must be https:// (http:// only for a loopback stand-in), found \(value.shown(Redactor.redactURL(url)))"
      )
    }
    return url
  }

  private static func positive(_ value: ConfigValue) throws(ConfigError) -> Int {
    let number = try value.int()
    guard number >= 1 else { throw value.error("'\(value.path)' must be at least 1, found \(number)") }
    return number
  }

  static func channelNames(_ value: ConfigValue, channels: [String: any Channel]) throws(ConfigError)
    -> [String]
  {
    var names: [String] = []
    for item in try value.list() {
      let name = try item.string()
      guard channels[name] != nil else {
        throw item.error(
          "no channel named '\(name)'; configured: \(channels.keys.sorted().joined(separator: ", "))")
      }
      names.append(name)
    }
    return names
  }
}
