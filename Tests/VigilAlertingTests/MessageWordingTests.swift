import Foundation
import TestSupport
import Testing
import VigilCore
import VigilCron
import VigilNet

@testable import VigilAlerting

/// Every notice kind in English and Chinese, channels' languages and templates from the configuration, and what
/// the vendor stand-ins accept once the words are filled in (limits, escaping, encoded subjects).
@Suite(.serialized) struct MessageWordingTests {
  typealias Status = AlertNotification.Notice.Status

  /// What a message calls each kind, in each language: the wording the issue asks for, written out here.
  static let words: [NoticeLanguage: [Status: String]] = [
    .en: [
      .firing: "FIRING", .reminder: "REMINDER", .resolved: "RESOLVED", .flapping: "FLAPPING",
      .stable: "STABLE",
      .acknowledged: "ACKNOWLEDGED",
    ],
    .zh: [
      .firing: "告警", .reminder: "提醒", .resolved: "已恢复", .flapping: "抖动", .stable: "恢复稳定",
      .acknowledged: "已确认",
    ],
  ]
  static let kinds: [Status] = [.firing, .reminder, .resolved, .flapping, .stable, .acknowledged]
  static let observed = Instant(timeIntervalSince1970: 1_796_613_720)  // 2026-12-07T03:22:00Z

  static func notification(
    _ status: Status, language: NoticeLanguage?, summary: String = "商城首页无法访问：连接被拒绝", step: Int? = nil
  ) -> AlertNotification {
    let candidate = AlertCandidate(
      function: "shop", check: "website-status", target: "home", healthy: status == .resolved,
      summary: summary, facts: [.init("status", "503"), .init("total ms", "812")], observedAt: observed)
    var notice = AlertNotification.Notice(
      status: status, candidate: candidate, incidentID: "inc-1796613120-3fa2c1",
      since: "2026-12-07T03:12:00Z", step: step)
    if status == .acknowledged {
      notice.acknowledgement = Acknowledgement(
        by: "alice", at: observed, until: observed.addingTimeInterval(3600), comment: "回滚中", via: "cli")
    }
    var notification = AlertNotification(function: "shop", requestID: "r", notices: [notice])
    notification.language = language
    return notification
  }

  @Test(arguments: NoticeLanguage.allCases) func everyNoticeKindHasItsWordsInBothLanguages(
    language: NoticeLanguage
  ) throws {
    let other: NoticeLanguage = language == .en ? .zh : .en
    for kind in Self.kinds {
      let notification = Self.notification(kind, language: language, step: kind == .firing ? 2 : nil)
      let word = try #require(Self.words[language]?[kind])
      #expect(notification.text.contains(word), "\(kind) in \(language): \(notification.text)")
      // No word of the other language's statuses (the Chinese message is Chinese throughout).
      for foreign in Self.words[other]?.values ?? [:].values where foreign != word {
        #expect(
          !notification.text.contains(foreign), "\(foreign) in \(language) \(kind): \(notification.text)")
      }
    }
    let zh = language == .zh
    let firing = Self.notification(.firing, language: language, step: 2)
    #expect(firing.title == (zh ? "[vigil] shop：1 条告警" : "[vigil] shop: 1 firing"))
    #expect(firing.text.contains(zh ? "告警（第 2 级） [严重]" : "FIRING (step 2) [critical]"), "\(firing.text)")
    #expect(firing.text.contains(zh ? "开始于 2026-12-07T03:12:00Z" : "since 2026-12-07T03:12:00Z"))
    let acknowledged = Self.notification(.acknowledged, language: language)
    #expect(
      acknowledged.text.contains(
        zh
          ? "已确认: alice 于 2026-12-07T03:22:00+00:00 确认，至 2026-12-07T04:22:00+00:00：回滚中"
          : "acknowledged: by alice at 2026-12-07T03:22:00+00:00, until 2026-12-07T04:22:00+00:00: 回滚中"),
      "\(acknowledged.text)")
    var digest = Self.notification(.reminder, language: language)
    digest.digest = 3
    #expect(digest.text.contains(zh ? "汇总：免打扰时段内暂存的 3 条通知" : "digest: 3 notices held during quiet hours"))
  }

  static func channels(_ yaml: String, language: NoticeLanguage = .en) throws -> [String: any Channel] {
    let value = ConfigValue(
      try YAMLParser.parse(yaml, file: "serverless.yml"), path: "custom.vigil.channels",
      substitution: EnvironmentSubstitution(environment: [:]))
    return try AlertingConfig.channels(
      value, logger: .silent, transport: CurlHTTPClient(), language: language)
  }

  @Test func chineseMessagesOfEveryKindReachEachVendorStandInWithinItsLimits() async throws {
    let base = try await RobotVendorPeer.base()
    // The project writes Chinese; the WeCom robot has its own template.
    let channels = try Self.channels(
      """
      wecom:
        type: wecom
        url: '\(base)/cgi-bin/webhook/send?key=good'
        template: {title: '{function} {status}', text: "**{status}** {target}：{summary}\\n持续 {duration} · 状态码 {figure.status}"}
      dingtalk: {type: dingtalk, url: '\(base)/robot/send?access_token=ok', secret: SECvigiltest}
      feishu: {type: feishu, url: '\(base)/open-apis/bot/v2/hook/t1', secret: feishu-secret}
      telegram: {type: telegram, apiBase: '\(base)', token: '123:abc', chatId: '-100123'}
      english: {type: wecom, url: '\(base)/cgi-bin/webhook/send?key=good', language: en}
      """, language: .zh)
    for kind in Self.kinds {
      for name in ["wecom", "dingtalk", "feishu", "telegram", "english"] {
        let channel = try #require(channels[name])
        #expect(
          await deliveryOutcome(channel, Self.notification(kind, language: nil)) == "sent", "\(name) \(kind)")
      }
    }
    // What the WeCom robot is sent: the template filled in Chinese, cut to 4096 bytes on a character boundary.
    var filled = Self.notification(.firing, language: .zh, summary: String(repeating: "超时", count: 4000))
    filled.template = MessageTemplate(
      title: "{function} {status}",
      text: "**{status}** {target}：{summary}\n持续 {duration} · 状态码 {figure.status}")
    let content = WeComRobot.body(filled)["markdown"]?["content"]?.stringValue ?? ""
    #expect(content.hasPrefix("### shop 告警\n**告警** home：超时超时"), "\(content.prefix(80))")
    #expect(content.utf8.count <= 4096 && content.utf8.count > 4000, "\(content.utf8.count)")
    #expect(content.hasSuffix("…(truncated)"))
    #expect(String(validating: Array(content.utf8), as: UTF8.self) == content)
    var short = filled
    short.notices[0].candidate.summary = "连接被拒绝"
    #expect(
      WeComRobot.body(short)["markdown"]?["content"]?.stringValue
        == "### shop 告警\n**告警** home：连接被拒绝\n> 持续 10分 · 状态码 503")
    // DingTalk's markdown is cut to its 20,000 bytes on a character boundary too.
    let ding = DingTalkRobot.body(filled)["markdown"]?["text"]?.stringValue ?? ""
    #expect(ding.hasPrefix("### shop 告警\n**告警** home：超时"), "\(ding.prefix(80))")
    #expect(ding.utf8.count <= 20_000 && ding.utf8.count > 19_000, "\(ding.utf8.count)")
    #expect(String(validating: Array(ding.utf8), as: UTF8.self) == ding)
    // DingTalk's title and Feishu's card header are the Chinese title.
    let chinese = Self.notification(.resolved, language: .zh)
    #expect(chinese.title == "[vigil] shop：1 条已恢复")
    let card = FeishuBot(name: "f", url: base, secret: nil, transport: CurlHTTPClient(), clock: SystemClock())
      .body(chinese, at: Self.observed)
    #expect(card["card"]?["header"]?["title"]?["content"]?.stringValue == "[vigil] shop：1 条已恢复")
  }

  @Test func telegramEscapesWhatATemplateFillsIn() throws {
    var notification = Self.notification(.firing, language: .zh, summary: "<b>坏了</b> & 更坏")
    notification.template = MessageTemplate(title: "{status}: {target}", text: "{summary} <i>{severity}</i>")
    let text = TelegramBot.body(notification, chatID: "1")["text"]?.stringValue ?? ""
    #expect(
      text == "<b>告警: home</b>\n&lt;b&gt;坏了&lt;/b&gt; &amp; 更坏 &lt;i&gt;严重&lt;/i&gt;", "\(text)")
  }

  @Test func aChineseSubjectIsEncodedAsRFC2047Words() throws {
    let mail = SMTPChannel(
      name: "mail", url: "smtps://127.0.0.1:1", username: nil, password: nil,
      from: try #require(MailMessage.Address("Vigil <alerts@example.test>")),
      to: [try #require(MailMessage.Address("oncall@example.test"))], caFile: nil, insecure: false,
      clock: SystemClock())
    let notification = Self.notification(.firing, language: .zh)
    let bytes = mail.message(notification, idempotencyKey: "k").bytes()
    let text = String(decoding: bytes, as: UTF8.self)
    let header = try #require(text.components(separatedBy: "\r\n\r\n").first)
    // The subject: encoded words only (ASCII on the wire), each at most 75 characters, folded.
    let subject = try #require(
      header.components(separatedBy: "\r\nSubject: ").last?.components(separatedBy: "\r\n").prefix {
        $0.hasPrefix("Subject") || $0.hasPrefix("=?") || $0.hasPrefix(" ")
      })
    var decoded = Data()
    for line in subject {
      for word in line.split(separator: " ") {
        #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?=") && word.count <= 75, "\(word)")
        decoded += Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) ?? Data()
      }
    }
    #expect(String(decoding: decoded, as: UTF8.self) == "[vigil] shop：1 条告警")
    #expect(header.utf8.allSatisfy { $0 < 0x80 })
  }

  @Test(arguments: [
    ("template: {text: '{target} {oops}'}", "unknown placeholder '{oops}' in template.text"),
    ("template: {title: '{Function}'}", "unknown placeholder '{Function}' in template.title"),
    ("template: {subject: x}", "unknown key 'subject'"),
    ("language: fr", "a language is en or zh, found 'fr'"),
  ])
  func aBadTemplateOrLanguageIsAnErrorAtItsPlace(setting: String, message: String) throws {
    let error = try #require(throws: ConfigError.self) {
      try Self.channels("ops:\n  type: console\n  \(setting)\n")
    }
    #expect("\(error)".hasPrefix("serverless.yml:3:"), "\(error)")
    #expect("\(error)".contains(message), "\(error)")
  }
}
