import Foundation
import TestSupport
import Testing
import VigilCore
import VigilCron
import VigilNet

@testable import VigilAlerting

/// What a delivery came to: "sent", "retryable: …" or "permanent: …".
func deliveryOutcome(_ channel: any Channel, _ notification: AlertNotification, key: String = "k") async
  -> String
{
  do {
    try await channel.deliver(notification, idempotencyKey: key)
    return "sent"
  } catch {
    return error.description
  }
}

@Suite struct SigningVectorTests {
  @Test func dingTalkPinnedVector() {
    #expect(
      DingTalkRobot.sign(secret: "this is secret", timestampMs: 1_577_262_236_757)
        == "hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D")
  }

  @Test func feishuDocumentVector() {
    #expect(
      FeishuBot.sign(secret: "demo", timestamp: 1_599_360_473)
        == "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=")
  }

  @Test func gitHubStyleWebhookVector() {
    #expect(
      WebhookChannel.signature(secret: "It's a Secret to Everybody", body: [UInt8]("Hello, World!".utf8))
        == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
  }
}

@Suite(.serialized) struct RobotChannelTests {
  func notification(_ summary: String = "api is down: status 500") -> AlertNotification {
    let candidate = AlertCandidate(
      function: "web", check: "http", target: "api", healthy: false, summary: summary,
      facts: [.init("status", "500")], observedAt: Instant())
    return AlertNotification(
      function: "web", requestID: "r",
      notices: [
        .init(status: .firing, candidate: candidate, incidentID: "inc-1", since: "2026-11-22T10:00:00+08:00")
      ])
  }

  @Test func weComAnswersDecideByErrcode() async throws {
    let base = try await RobotVendorPeer.base() + "/cgi-bin/webhook/send?key="
    let transport = CurlHTTPClient()
    #expect(
      await deliveryOutcome(WeComRobot(name: "w", url: base + "good", transport: transport), notification())
        == "sent")
    let busy = WeComRobot(name: "w", url: base + "busy", transport: transport)
    #expect(await deliveryOutcome(busy, notification()).hasPrefix("retryable: "))
    #expect(await deliveryOutcome(busy, notification()) == "sent")
    let bad = await deliveryOutcome(
      WeComRobot(name: "w", url: base + "bad", transport: transport), notification())
    #expect(bad.hasPrefix("permanent: "))
    #expect(bad.contains("errcode 93000"))
    #expect(bad.contains("key=***"))
    // 10,000 bytes of Chinese text are cut to 4096 bytes, so 40058 never comes back.
    let long = notification(String(repeating: "超时", count: 2000))
    #expect(
      await deliveryOutcome(WeComRobot(name: "w", url: base + "good", transport: transport), long) == "sent")
    let content = WeComRobot.body(long)["markdown"]?["content"]?.stringValue ?? ""
    #expect(content.utf8.count <= 4096)
    #expect(content.hasSuffix("…(truncated)"))
    // Text messages page people by mobile number (markdown cannot), within 2048 bytes.
    let pager = WeComRobot(
      name: "w", url: base + "good", transport: transport, messageType: "text",
      mentionedMobiles: ["13800001111"])
    #expect(await deliveryOutcome(pager, long) == "sent")
    let text = pager.requestBody(long)
    #expect(text["msgtype"] == .string("text"))
    #expect(text["text"]?["mentioned_mobile_list"] == .array([.string("13800001111")]))
    #expect((text["text"]?["content"]?.stringValue ?? "").utf8.count <= 2048)
  }

  @Test func dingTalkSignedRequests() async throws {
    let base = try await RobotVendorPeer.base() + "/robot/send?access_token="
    let transport = CurlHTTPClient()
    func robot(_ token: String, secret: String = "SECvigiltest") -> DingTalkRobot {
      DingTalkRobot(name: "d", url: base + token, secret: secret, transport: transport, clock: SystemClock())
    }
    #expect(await deliveryOutcome(robot("ok"), notification()) == "sent")
    let mismatch = await deliveryOutcome(robot("ok", secret: "SECwrong"), notification())
    #expect(mismatch.hasPrefix("permanent: "))
    #expect(mismatch.contains("310000: sign not match"))
    #expect(await deliveryOutcome(robot("fast"), notification()).hasPrefix("retryable: "))
    #expect(await deliveryOutcome(robot("gone"), notification()).contains("300005"))
    #expect(
      robot("ok").signedURL(at: Instant(timeIntervalSince1970: 1_577_262_236.757)).hasSuffix(
        "&timestamp=1577262236757&sign=\(DingTalkRobot.sign(secret: "SECvigiltest", timestampMs: 1_577_262_236_757))"
      ))
  }

  @Test func feishuSignedCards() async throws {
    let base = try await RobotVendorPeer.base() + "/open-apis/bot/v2/hook/"
    let transport = CurlHTTPClient()
    func bot(_ token: String, secret: String = "feishu-secret") -> FeishuBot {
      FeishuBot(name: "f", url: base + token, secret: secret, transport: transport, clock: SystemClock())
    }
    #expect(await deliveryOutcome(bot("t1"), notification()) == "sent")
    #expect(await deliveryOutcome(bot("t1", secret: "nope"), notification()).contains("19021"))
    #expect(await deliveryOutcome(bot("limited"), notification()).hasPrefix("retryable: "))
    #expect(await deliveryOutcome(bot("limited"), notification()) == "sent")
    let garbage = await deliveryOutcome(bot("garbage"), notification())
    #expect(garbage.hasPrefix("retryable: "), "a body without a code is never taken as sent: \(garbage)")
  }

  @Test func robotChannelsReadFromConfig() throws {
    let yaml = """
      ops-wecom: {type: wecom, url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k'}
      ops-ding: {type: dingtalk, url: 'https://oapi.dingtalk.com/robot/send?access_token=t', secret: SECx}
      ops-feishu: {type: feishu, url: 'http://127.0.0.1:9/open-apis/bot/v2/hook/t'}
      """
    let value = ConfigValue(
      try YAMLParser.parse(yaml, file: "s.yml"), path: "custom.vigil.channels",
      substitution: EnvironmentSubstitution(environment: [:]))
    let channels = try AlertingConfig.channels(value, logger: .silent, transport: CurlHTTPClient())
    #expect(Set(channels.keys) == ["console", "ops-wecom", "ops-ding", "ops-feishu"])
    let plain = ConfigValue(
      try YAMLParser.parse("x: {type: wecom, url: 'http://example.com/send?key=k'}\n", file: "s.yml"),
      path: "c", substitution: EnvironmentSubstitution(environment: [:]))
    let error = try #require(throws: ConfigError.self) {
      try AlertingConfig.channels(plain, logger: .silent, transport: CurlHTTPClient())
    }
    #expect(error.message.contains("must be https://"))
  }
}

@Suite(.serialized) struct GlobalChatChannelTests {
  func notification(_ status: AlertNotification.Notice.Status = .firing) -> AlertNotification {
    let candidate = AlertCandidate(
      function: "web", check: "http", target: "api", healthy: status == .resolved,
      summary: "api <b>down</b> & out @everyone", facts: [.init("status", "500")], observedAt: Instant())
    return AlertNotification(
      function: "web", requestID: "r",
      notices: [
        .init(status: status, candidate: candidate, incidentID: "inc-1", since: "2026-11-22T10:00:00Z")
      ])
  }

  @Test func slackOnlyOkIsSent() async throws {
    let base = try await RobotVendorPeer.base() + "/services/T000/B000/"
    let transport = CurlHTTPClient()
    #expect(
      await deliveryOutcome(SlackWebhook(name: "s", url: base + "ok", transport: transport), notification())
        == "sent")
    let gone = await deliveryOutcome(
      SlackWebhook(name: "s", url: base + "gone", transport: transport), notification())
    #expect(gone.hasPrefix("permanent: ") && gone.contains("HTTP 404: no_service"), "\(gone)")
    let limited = SlackWebhook(name: "s", url: base + "limited", transport: transport)
    let first = await deliveryOutcome(limited, notification())
    #expect(first.hasPrefix("retryable: ") && first.contains("retry after 3 s"), "\(first)")
    #expect(await deliveryOutcome(limited, notification()) == "sent")
    #expect(SlackWebhook.body(notification())["blocks"]?.arrayValue?.count == 2)
    #expect(SlackWebhook.body(notification()).encodedString().contains("&lt;b&gt;down&lt;/b&gt; &amp; out"))
  }

  @Test func discordHonoursRetryAfterAndNeverMentions() async throws {
    let base = try await RobotVendorPeer.base() + "/api/webhooks/42/"
    let transport = CurlHTTPClient()
    let limited = DiscordWebhook(name: "d", url: base + "limited", transport: transport)
    let first = await deliveryOutcome(limited, notification())
    #expect(first.hasPrefix("retryable: ") && first.contains("retry after 0.5 s"), "\(first)")
    #expect(await deliveryOutcome(limited, notification()) == "sent")
    #expect(
      await deliveryOutcome(
        DiscordWebhook(name: "d", url: base + "unknown", transport: transport), notification()
      ).contains("10015"))
    let body = DiscordWebhook.body(notification())
    #expect(body["allowed_mentions"] == .object(["parse": .array([])]))
    #expect(body["embeds"]?.arrayValue?.first?["title"] == .string("[FIRING] api"))
  }

  @Test func telegramReadsOkAndRetryAfter() async throws {
    let base = try await RobotVendorPeer.base()
    let transport = CurlHTTPClient()
    #expect(
      await deliveryOutcome(
        TelegramBot(name: "t", apiBase: base, token: "123:abc", chatID: "-100123", transport: transport),
        notification())
        == "sent")
    let missing = await deliveryOutcome(
      TelegramBot(name: "t", apiBase: base, token: "123:abc", chatID: "missing", transport: transport),
      notification())
    #expect(missing == "permanent: \(base)/bot***/sendMessage: Bad Request: chat not found")
    let limited = await deliveryOutcome(
      TelegramBot(name: "t", apiBase: base, token: "limited", chatID: "1", transport: transport),
      notification())
    #expect(limited.hasPrefix("retryable: ") && limited.contains("retry after 5 s"), "\(limited)")
    let text = TelegramBot.body(notification(), chatID: "1")["text"]?.stringValue ?? ""
    #expect(text.contains("api &lt;b&gt;down&lt;/b&gt; &amp; out"))
    #expect(TelegramBot.body(notification(), chatID: "-100123")["chat_id"] == .int(-100_123))
  }

  @Test func pagerDutyTriggersAndResolvesByDedupKey() async throws {
    let url = try await RobotVendorPeer.base() + "/v2/enqueue"
    let transport = CurlHTTPClient()
    let pager = PagerDutyEvents(name: "p", url: url, routingKey: "good", transport: transport)
    #expect(await deliveryOutcome(pager, notification()) == "sent")
    #expect(await deliveryOutcome(pager, notification(.resolved)) == "sent")
    let trigger = pager.events(notification())[0]
    let resolve = pager.events(notification(.resolved))[0]
    #expect(trigger["dedup_key"] == .string("vigil/web/http/api"))
    #expect(resolve["dedup_key"] == trigger["dedup_key"])
    #expect(resolve["event_action"] == .string("resolve"))
    #expect(trigger["payload"]?["severity"] == .string("critical"))
    let bad = await deliveryOutcome(
      PagerDutyEvents(name: "p", url: url, routingKey: "bad", transport: transport), notification())
    #expect(bad.hasPrefix("permanent: ") && bad.contains("invalid event"), "\(bad)")
  }

  @Test func pagerDutyIsToldOfAnAcknowledgementByTheSameDedupKey() async throws {
    let url = try await RobotVendorPeer.base() + "/v2/enqueue"
    let pager = PagerDutyEvents(name: "p", url: url, routingKey: "good", transport: CurlHTTPClient())
    let acknowledge = pager.events(notification(.acknowledged))[0]
    #expect(acknowledge["event_action"] == .string("acknowledge"))
    #expect(acknowledge["dedup_key"] == pager.events(notification())[0]["dedup_key"])
    // The stand-in refuses an event_action PagerDuty does not know, and accepts this one.
    #expect(await deliveryOutcome(pager, notification(.acknowledged)) == "sent")
  }
}

@Suite(.serialized) struct TencentSMSTests {
  func sms(
    _ numbers: [String], key: String = "sms-test-key", state: InMemoryStateStore = InMemoryStateStore()
  ) async throws -> TencentSMS {
    TencentSMS(
      name: "sms", endpoint: try await RobotVendorPeer.base() + "/sms",
      signer: TC3Signer(
        secretID: "AKIDtest", secretKey: key, service: "sms", host: "sms.tencentcloudapi.com"),
      region: "ap-guangzhou", appID: "1400006666", signName: "腾讯云", templateID: "1234",
      templateParams: ["{target}", "{status}", "{summary}"], maxParamLength: 12, phoneNumbers: numbers,
      transport: CurlHTTPClient(), clock: SystemClock(), state: state)
  }

  func notification() -> AlertNotification {
    let candidate = AlertCandidate(
      function: "web", check: "http", target: "api", healthy: false,
      summary: "api is down: status 500 for 3 checks", facts: [], observedAt: Instant())
    return AlertNotification(
      function: "web", requestID: "r",
      notices: [.init(status: .firing, candidate: candidate, incidentID: "inc-1", since: "s")])
  }

  @Test func signedSendWithTemplateParameters() async throws {
    let channel = try await sms(["+8618511122266"])
    #expect(await deliveryOutcome(channel, notification()) == "sent")
    // {status} is the status as messages show it (the English word here; 告警 in Chinese).
    #expect(channel.parameters(notification()) == ["api", "FIRING", "api is down:"])
    var chinese = notification()
    chinese.language = .zh
    #expect(channel.parameters(chinese) == ["api", "告警", "api is down:"])
    let wrongKey = await deliveryOutcome(
      try await sms(["+8618511122266"], key: "not-the-key"), notification())
    #expect(
      wrongKey.hasPrefix("permanent: ") && wrongKey.contains("AuthFailure.SignatureFailure"), "\(wrongKey)")
  }

  @Test func partialFailureRetriesOnlyTheFailedNumbers() async throws {
    let state = InMemoryStateStore()
    let channel = try await sms(["+8618511122266", "+8613900000000"], state: state)
    let first = await deliveryOutcome(channel, notification(), key: "delivery-partial")
    #expect(
      first.hasPrefix("retryable: ")
        && first.contains("+8613900000000 LimitExceeded.PhoneNumberThirtySecondLimit"), "\(first)")
    #expect(await deliveryOutcome(channel, notification(), key: "delivery-partial") == "sent")
    let requests = try await RobotVendorRequests.smsNumbers()
    #expect(requests.suffix(2) == [["+8618511122266", "+8613900000000"], ["+8613900000000"]])
    let bad = await deliveryOutcome(try await sms(["+8600000000001"]), notification(), key: "delivery-bad")
    #expect(bad.hasPrefix("permanent: ") && bad.contains("IncorrectPhoneNumber"), "\(bad)")
  }
}

/// Reads what the robot stand-in received for /sms.
enum RobotVendorRequests {
  static func smsNumbers() async throws -> [[String]] {
    let response = try await CurlHTTPClient().send(
      HTTPRequest(url: try await RobotVendorPeer.base() + "/requests"))
    let all = try JSONValue.parse(response.body).arrayValue ?? []
    return all.filter { $0["path"] == .string("/sms") }.map {
      ($0["body"]?["PhoneNumberSet"]?.arrayValue ?? []).compactMap(\.stringValue)
    }
  }
}

@Suite(.serialized) struct WeChatServerChanTeamsTests {
  func notification() -> AlertNotification {
    let candidate = AlertCandidate(
      function: "web", check: "http", target: "api.example.com", healthy: false,
      summary: "api is down: status 500", facts: [.init("status", "500")], observedAt: Instant())
    return AlertNotification(
      function: "web", requestID: "r",
      notices: [
        .init(status: .firing, candidate: candidate, incidentID: "inc-1", since: "2026-11-22T10:00:00+08:00")
      ])
  }

  @Test func weChatRefreshesAnExpiredTokenOnceAndDedupsRetries() async throws {
    let base = try await RobotVendorPeer.base()
    let state = InMemoryStateStore()
    func wechat(_ recipients: [String], appID: String = "wxapp") -> WeChatTemplate {
      WeChatTemplate(
        name: "w", apiBase: base, appID: appID, appSecret: "app-secret-value", templateID: "tpl",
        recipients: recipients, fields: [("keyword1", "{target}"), ("keyword2", "{summary}")],
        transport: CurlHTTPClient(),
        clock: SystemClock(), state: state)
    }
    // The first token (tok-1) is reported expired: Vigil refetches once and the send goes through.
    #expect(await deliveryOutcome(wechat(["openid-a"]), notification(), key: "d1") == "sent")
    // The fresh token is cached in the state folder and reused.
    #expect(await deliveryOutcome(wechat(["openid-a"]), notification(), key: "d2") == "sent")
    let cached = try await state.readJSON(WeChatTemplate.CachedToken.self, "channels/wechat/wxapp-token.json")
    #expect(cached?.token == "tok-2")
    // A retry of the same delivery carries the same client_msg_id.
    let first = wechat(["openid-a"]).body(notification(), openID: "openid-a", clientMessageID: "x")
    #expect(first["data"]?["keyword1"]?["value"] == .string("api.example.com"))
    let keyword = try #require(first["data"]?["keyword2"]?["value"]?.stringValue)
    #expect(!keyword.isEmpty && keyword.count <= 20, "\(keyword)")
    let unfollowed = await deliveryOutcome(wechat(["unfollowed"]), notification(), key: "d3")
    #expect(unfollowed.hasPrefix("permanent: ") && unfollowed.contains("43004"), "\(unfollowed)")
    #expect(!unfollowed.contains("tok-"))
    let badApp = await deliveryOutcome(
      WeChatTemplate(
        name: "w", apiBase: base, appID: "badapp", appSecret: "s", templateID: "t", recipients: ["o"],
        fields: [], transport: CurlHTTPClient(), clock: SystemClock(), state: InMemoryStateStore()),
      notification())
    #expect(badApp.hasPrefix("permanent: ") && badApp.contains("40013"), "\(badApp)")
  }

  @Test func serverChanAndTeams() async throws {
    let base = try await RobotVendorPeer.base()
    #expect(
      await deliveryOutcome(
        ServerChan(name: "s", url: base + "/SCTgood.send", transport: CurlHTTPClient()), notification())
        == "sent"
    )
    #expect(
      await deliveryOutcome(
        ServerChan(name: "s", url: base + "/SCTbad.send", transport: CurlHTTPClient()), notification()
      ).contains(
        "code 40001"))
    #expect(ServerChan.body(notification())["title"]?.stringValue?.count ?? 99 <= 32)
    #expect(
      await deliveryOutcome(
        TeamsWorkflow(name: "t", url: base + "/workflows/ok?sig=secret-sig", transport: CurlHTTPClient()),
        notification())
        == "sent")
    let bad = await deliveryOutcome(
      TeamsWorkflow(name: "t", url: base + "/workflows/badsig?sig=secret-sig", transport: CurlHTTPClient()),
      notification())
    #expect(bad.hasPrefix("permanent: ") && bad.contains("HTTP 401"), "\(bad)")
    #expect(!bad.contains("secret-sig"))
    #expect(
      TeamsWorkflow.body(notification())["attachments"]?.arrayValue?.first?["content"]?["version"]
        == .string("1.4"))
  }
}
