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
  /// Every channel type this build has: each declares its keys and secrets and builds itself.
  static let channelTypes: [any ConfigurableChannel.Type] = [
    ConsoleChannel.self, WebhookChannel.self, SMTPChannel.self, WeComRobot.self, DingTalkRobot.self,
    FeishuBot.self, SlackWebhook.self, DiscordWebhook.self, TelegramBot.self, PagerDutyEvents.self,
    TencentSMS.self, WeChatTemplate.self, ServerChan.self, TeamsWorkflow.self,
  ]
  static var builtTypes: [String] { channelTypes.map { $0.type } }

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
      guard case .mapping(let fields) = entry.value.kind,
        let typeNode = fields.first(where: { $0.key == "type" })?.value
      else {
        throw ConfigError(
          entry.keyMark, "channel '\(entry.key)' needs a 'type' (\(builtTypes.joined(separator: ", ")))")
      }
      let type = try ConfigValue(typeNode, path: "\(item.path).type", substitution: value.substitution)
        .string()
      guard let kind = channelTypes.first(where: { $0.type == type }) else {
        throw ConfigError(
          typeNode.mark,
          "unknown channel type '\(type)'; expected one of: \(builtTypes.joined(separator: ", "))")
      }
      let map = try item.mapping(allowed: ["type"] + kind.keys)
      for key in kind.secretKeys {
        if let secret = try map.optional(key)?.string() { Redactor.shared.register(secret) }
      }
      let built = try kind.make(
        name: entry.key,
        ChannelSettings(
          map: map, item: item, logger: logger, transport: transport, clock: clock, state: state))
      channels[entry.key] = PresentedChannel(
        built, language: own, ownLanguage: languageValue != nil, template: template)
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
