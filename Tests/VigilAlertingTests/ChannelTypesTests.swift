import Foundation
import Testing
import VigilCore
import VigilCron
import VigilNet

@testable import VigilAlerting

/// Channel types describe themselves: each one's keys are the only keys its setting takes, and each secret it
/// declares is masked as soon as the configuration is read.
@Suite struct ChannelTypesTests {
  /// One setting of every type, each secret a value found nowhere else.
  static let settings: [String: String] = [
    "console": "{type: console}",
    "webhook": "{type: webhook, url: 'https://hooks.example.com/x', secret: 'webhook-secret-8d1f'}",
    "smtp":
      "{type: smtp, url: 'smtps://mail.example.com:465', username: u, password: 'smtp-secret-2b7c', from: a@example.com, to: [b@example.com]}",
    "wecom": "{type: wecom, url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-key-5e2a'}",
    "dingtalk":
      "{type: dingtalk, url: 'https://oapi.dingtalk.com/robot/send?access_token=t', secret: 'ding-secret-7f3e'}",
    "feishu":
      "{type: feishu, url: 'https://open.feishu.cn/open-apis/bot/v2/hook/feishu-token-1c9d', secret: 'feishu-secret-4a6b'}",
    "slack": "{type: slack, url: 'https://hooks.slack.com/services/T0/slack-secret-3d8e'}",
    "discord": "{type: discord, url: 'https://discord.com/api/webhooks/1/discord-token-6b2f'}",
    "telegram": "{type: telegram, token: '123:telegram-token-9e4c', chatId: '-1'}",
    "pagerduty": "{type: pagerduty, routingKey: 'pd-routing-key-0f5a'}",
    "tencent-sms":
      "{type: tencent-sms, secretId: AKID, secretKey: 'sms-secret-key-8c3b', appId: '1400', signName: s, templateId: '1', phoneNumbers: ['+8618511122266']}",
    "wechat":
      "{type: wechat, appId: wx, appSecret: 'wechat-secret-2e7d', templateId: t, openIds: [o]}",
    "serverchan": "{type: serverchan, url: 'https://sctapi.ftqq.com/SCTsendkey5b1e.send'}",
    "teams": "{type: teams, url: 'https://example.logic.azure.com/workflows/1?sig=teams-sig-7a4c'}",
  ]
  static let secrets = [
    "webhook-secret-8d1f", "smtp-secret-2b7c", "wecom-key-5e2a", "ding-secret-7f3e", "feishu-token-1c9d",
    "feishu-secret-4a6b", "slack-secret-3d8e", "discord-token-6b2f", "123:telegram-token-9e4c",
    "pd-routing-key-0f5a", "sms-secret-key-8c3b", "wechat-secret-2e7d", "SCTsendkey5b1e", "teams-sig-7a4c",
  ]

  static func read(_ yaml: String) throws -> [String: any Channel] {
    let value = ConfigValue(
      try YAMLParser.parse(yaml, file: "serverless.yml"), path: "custom.vigil.channels",
      substitution: EnvironmentSubstitution(environment: [:]))
    return try AlertingConfig.channels(
      value, logger: .silent, transport: CurlHTTPClient(), state: InMemoryStateStore())
  }

  @Test func everyTypeIsBuiltFromItsOwnKeysAndItsSecretsAreMaskedOnceRead() throws {
    #expect(Set(AlertingConfig.builtTypes) == Set(Self.settings.keys))
    let yaml = Self.settings.sorted { $0.key < $1.key }.map { "c-\($0.key): \($0.value)" }.joined(
      separator: "\n")
    let channels = try Self.read(yaml + "\n")
    #expect(channels.count == Self.settings.count + 1)  // and the built-in console
    for secret in Self.secrets {
      #expect(!Redactor.shared.redact("before \(secret) after").contains(secret), "\(secret) not masked")
    }
  }

  @Test func aKeyAnotherTypeTakesIsRefusedWithTheTypesOwnKeys() throws {
    for type in AlertingConfig.channelTypes where type.type != "console" {
      let setting = try #require(Self.settings[type.type])
      // `routingKey` belongs to pagerduty alone; every other type refuses it and lists its own keys.
      let yaml =
        type.type == "pagerduty"
        ? "c: {type: pagerduty, routingKey: k, msgtype: text}\n"
        : "c: " + setting.dropLast() + ", routingKey: k}\n"
      let error = try #require(throws: ConfigError.self) { try Self.read(yaml) }
      let unknown = type.type == "pagerduty" ? "msgtype" : "routingKey"
      #expect(
        "\(error)".contains("unknown key '\(unknown)'")
          && "\(error)".contains("expected one of: " + (["type"] + type.keys).joined(separator: ", ")),
        "\(type.type): \(error)")
    }
  }
}
