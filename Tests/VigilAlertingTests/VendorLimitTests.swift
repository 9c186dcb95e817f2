import Foundation
import TestSupport
import Testing
import VigilCore
import VigilCron

@testable import VigilAlerting
@testable import VigilNet

/// What the vendors refuse and how Vigil stays inside it, against stand-ins as strict as the vendors
/// (`robot_vendor_server.py`, `webhook_capture_server.py`): size limits, rate limits and their back-off
/// hints, unknown keys, signatures.
@Suite(.serialized) struct VendorLimitTests {
  /// A notification with a long summary and many long facts: more than any vendor takes in one message.
  func oversized(_ summary: String = String(repeating: "超时 & <down> ", count: 900)) -> AlertNotification {
    let facts = (0..<60).map { AlertCandidate.Fact("fact \($0) <&>", String(repeating: "v&<>", count: 150)) }
    let notices = (0..<12).map { index in
      AlertNotification.Notice(
        status: .firing,
        candidate: AlertCandidate(
          function: "web", check: "http", target: "api-\(index)", healthy: false, summary: summary,
          facts: facts,
          observedAt: Instant()),
        incidentID: "inc-\(index)", since: "2026-11-22T10:00:00+08:00")
    }
    return AlertNotification(function: "web", requestID: "r", notices: notices)
  }

  /// Telegram parses HTML and counts 4096 characters after parsing: the cut never splits an entity or leaves
  /// a tag open, however much of the text is escaped.
  @Test(arguments: [String(repeating: "&", count: 6000), String(repeating: "a<b>&", count: 2000)])
  func telegramTextIsCutWhereTelegramCanParseIt(summary: String) async throws {
    let base = try await RobotVendorPeer.base()
    let bot = TelegramBot(
      name: "t", apiBase: base, token: "123:abc", chatID: "-100123", transport: CurlHTTPClient())
    #expect(await deliveryOutcome(bot, oversized(summary)) == "sent")
    #expect(await deliveryOutcome(bot, oversized()) == "sent")
    let wrongToken = TelegramBot(
      name: "t", apiBase: base, token: "999:nope", chatID: "-100123", transport: CurlHTTPClient())
    let refused = await deliveryOutcome(wrongToken, oversized())
    #expect(refused.hasPrefix("permanent: ") && refused.contains("Unauthorized"), "\(refused)")
    #expect(!refused.contains("999:nope"))
  }

  @Test func discordFeishuWeComAndSlackTakeTheLargestNotification() async throws {
    let base = try await RobotVendorPeer.base()
    let transport = CurlHTTPClient()
    let channels: [any Channel] = [
      DiscordWebhook(name: "d", url: base + "/api/webhooks/42/ok", transport: transport),
      FeishuBot(
        name: "f", url: base + "/open-apis/bot/v2/hook/t1", secret: "feishu-secret", transport: transport,
        clock: SystemClock()),
      WeComRobot(name: "w", url: base + "/cgi-bin/webhook/send?key=good", transport: transport),
      SlackWebhook(name: "s", url: base + "/services/T000/B000/ok", transport: transport),
    ]
    for channel in channels {
      #expect(await deliveryOutcome(channel, oversized()) == "sent", "\(channel.name)")
    }
  }

  @Test func unknownKeysAndTokensAreRefusedAsTheVendorsDo() async throws {
    let base = try await RobotVendorPeer.base()
    let transport = CurlHTTPClient()
    let wecom = await deliveryOutcome(
      WeComRobot(name: "w", url: base + "/cgi-bin/webhook/send?key=not-a-key", transport: transport),
      oversized())
    #expect(wecom.hasPrefix("permanent: ") && wecom.contains("93000"), "\(wecom)")
    let feishu = await deliveryOutcome(
      FeishuBot(
        name: "f", url: base + "/open-apis/bot/v2/hook/not-a-token", secret: "feishu-secret",
        transport: transport,
        clock: SystemClock()), oversized())
    #expect(feishu.hasPrefix("permanent: ") && feishu.contains("19001"), "\(feishu)")
    let ding = await deliveryOutcome(
      DingTalkRobot(
        name: "d", url: base + "/robot/send?access_token=not-a-token", secret: "SECvigiltest",
        transport: transport, clock: SystemClock()), oversized())
    #expect(ding.hasPrefix("permanent: ") && ding.contains("300005"), "\(ding)")
    let hook = await deliveryOutcome(
      WebhookChannel(
        name: "h", url: try await WebhookTestPeer.base() + "/hook/ok/\(UUID().uuidString)",
        secret: "not-the-receivers-secret", transport: transport), oversized())
    #expect(hook.hasPrefix("permanent: ") && hook.contains("401"), "\(hook)")
  }

  /// WeCom takes 20 messages a minute per key: the 21st is throttled for the documented minute.
  @Test func weComsTwentyAMinuteIsThrottledForAMinute() async throws {
    let robot = WeComRobot(
      name: "w", url: try await RobotVendorPeer.base() + "/cgi-bin/webhook/send?key=burst",
      transport: CurlHTTPClient())
    var outcomes: [String] = []
    for _ in 0..<21 { outcomes.append(await deliveryOutcome(robot, oversized())) }
    #expect(outcomes.prefix(20).allSatisfy { $0 == "sent" }, "\(outcomes)")
    let last = try #require(outcomes.last)
    #expect(
      last.hasPrefix("retryable: ") && last.contains("45009") && last.hasSuffix("(retry after 60 s)"),
      "\(last)")
  }

  /// The outbox waits as long as the vendor asks: Slack's Retry-After 3 s (sooner than its own 30 s backoff),
  /// Discord's retry_after, Telegram's parameters.retry_after, DingTalk's 10-minute ban.
  @Test func theOutboxHonoursEachVendorsBackOff() async throws {
    let base = try await RobotVendorPeer.base()
    let transport = CurlHTTPClient()
    let start = Instant(timeIntervalSince1970: 1_795_399_200)
    let tag = UUID().uuidString
    let cases: [(any Channel, Double)] = [
      (
        SlackWebhook(name: "slack", url: base + "/services/T000/B000/limited-\(tag)", transport: transport), 3
      ),
      (
        DiscordWebhook(name: "discord", url: base + "/api/webhooks/42/limited-\(tag)", transport: transport),
        1
      ),
      (
        TelegramBot(
          name: "telegram", apiBase: base, token: "limited-\(tag)", chatID: "1", transport: transport),
        5
      ),
      (
        DingTalkRobot(
          name: "dingtalk", url: base + "/robot/send?access_token=fast-\(tag)", secret: "SECvigiltest",
          transport: transport, clock: SystemClock()), 600
      ),
    ]
    for (channel, wait) in cases {
      let clock = ManualClock(start)
      let outbox = Outbox(state: InMemoryStateStore(), clock: clock)
      _ = try await outbox.enqueue(oversized(), channels: [channel.name])
      let first = try await outbox.deliverDue(using: [channel.name: channel], logger: .silent)
      let retry = try #require(first.retrying.first, "\(channel.name) was not retried")
      #expect(
        retry.nextAttemptAt == start.addingTimeInterval(wait), "\(channel.name): \(retry.nextAttemptAt)")
      // Not before: nothing is sent a second early; then it goes.
      clock.advance(seconds: wait - 1)
      #expect(try await outbox.deliverDue(using: [channel.name: channel], logger: .silent).delivered.isEmpty)
      clock.advance(seconds: 1)
      let second = try await outbox.deliverDue(using: [channel.name: channel], logger: .silent)
      #expect(second.delivered.count == 1, "\(channel.name)")
    }
  }

  /// Tencent Cloud refuses a request signed more than 300 s off its clock.
  @Test func smsSignedWithASkewedClockIsRefused() async throws {
    func sms(secretID: String, clock: any WallClock) async throws -> TencentSMS {
      TencentSMS(
        name: "sms", endpoint: try await RobotVendorPeer.base() + "/sms",
        signer: TC3Signer(
          secretID: secretID, secretKey: "sms-test-key", service: "sms", host: "sms.tencentcloudapi.com"),
        region: "ap-guangzhou", appID: "1400006666", signName: "腾讯云", templateID: "1234",
        templateParams: ["{target}"], maxParamLength: 12, phoneNumbers: ["+8618511122266"],
        transport: CurlHTTPClient(), clock: clock, state: InMemoryStateStore())
    }
    let skewed = try await sms(secretID: "AKIDtest", clock: ManualClock(Instant().addingTimeInterval(-600)))
    let outcome = await deliveryOutcome(skewed, oversized())
    #expect(outcome.contains("AuthFailure.SignatureExpire"), "\(outcome)")
    let wrongID = try await sms(secretID: "AKIDother", clock: SystemClock())
    let refused = await deliveryOutcome(wrongID, oversized())
    #expect(
      refused.hasPrefix("permanent: ") && refused.contains("AuthFailure.SecretIdNotFound"), "\(refused)")
  }
}
