import Foundation
import Testing
import VigilCore
import VigilCron
import VigilNet

@testable import VigilAlerting

/// `custom.vigil.routes`: which channels each alert goes to.
@Suite struct AlertRoutesTests {
  static let channelNames = ["console", "data-feishu", "data-mail", "ops-wecom", "ops-sms"]
  static var channels: [String: any Channel] {
    Dictionary(uniqueKeysWithValues: channelNames.map { ($0, RecordingChannel() as any Channel) })
  }

  static func routes(_ yaml: String) throws -> AlertRoutes {
    try AlertRoutes.read(try ConfigValue.parse(yaml, file: "serverless.yml"), channels: channels)
  }

  static let threeTeams = """
    - match: {function: 'kafka-*', target: 'orders*'}
      channels: [data-feishu]
      continue: true
    - match: {labels: {team: data}}
      channels: [data-mail]
    - match: {function: shop, severity: [critical]}
      channels: [ops-wecom, ops-sms]
    - match: {labels: {team: shop}}
      channels: [ops-wecom]
    - channels: [console]
    """

  @Test(arguments: [
    // function, target, severity, labels → channels
    (
      "kafka-backlog", "orders-lag", AlertCandidate.Severity.critical, ["team": "data"],
      ["data-feishu", "data-mail"]
    ),
    ("kafka-backlog", "payments-lag", .critical, ["team": "data"], ["data-mail"]),
    ("kafka-backlog", "orders-lag", .warning, [:], ["data-feishu", "console"]),
    ("shop", "home", .critical, ["team": "shop"], ["ops-wecom", "ops-sms"]),
    ("shop", "home", .warning, ["team": "shop"], ["ops-wecom"]),
    ("host-resources", "web-1", .warning, ["team": "infra"], ["console"]),
  ])
  func eachAlertGoesWhereTheFirstMatchingRouteSays(
    function: String, target: String, severity: AlertCandidate.Severity, labels: [String: String],
    expected: [String]
  ) throws {
    let routes = try Self.routes(Self.threeTeams)
    #expect(
      routes.channels(function: function, target: target, severity: severity, labels: labels) == expected)
  }

  @Test func withoutADefaultRouteAnUnmatchedAlertKeepsThePolicysChannels() throws {
    let routes = try Self.routes("- match: {labels: {team: data}}\n  channels: [data-mail]\n")
    #expect(routes.channels(function: "host", target: "h", severity: .warning, labels: [:]) == nil)
    #expect(
      routes.channels(function: "host", target: "h", severity: .warning, labels: ["team": "data"]) == [
        "data-mail"
      ])
  }

  @Test(arguments: [
    ("- channels: [pager]\n", "serverless.yml:1:14", "no channel named 'pager'"),
    (
      "- match: {severity: [urgent]}\n  channels: [console]\n", "serverless.yml:1:22",
      "info, warning or critical"
    ),
    ("- match: {team: data}\n  channels: [console]\n", "serverless.yml:1:11", "unknown key 'team'"),
    (
      "- channels: [console]\n- match: {function: shop}\n  channels: [ops-wecom]\n", "serverless.yml:2:3",
      "never reached"
    ),
    ("- match: {function: shop}\n  channels: []\n", "serverless.yml:2:13", "at least one channel"),
    (
      "- match: {status: [fired]}\n  channels: [console]\n", "serverless.yml:1:20",
      "firing, reminder, resolved, flapping, stable or acknowledged"
    ),
  ])
  func mistakesAreNamedAtTheirPlace(yaml: String, place: String, message: String) throws {
    let error = try #require(throws: ConfigError.self) { try Self.routes(yaml) }
    #expect("\(error)".hasPrefix(place), "\(error)")
    #expect("\(error)".contains(message), "\(error)")
  }

  /// Routes decide an alert's default channels; an escalation step that names its own still sends there.
  @Test func aStepsOwnChannelsStillApplyOverTheRoutes() async throws {
    var policy = AlertPolicy()
    policy.escalation = [.init(offset: 0), .init(offset: 600, channels: ["ops-sms"])]
    let recorders = Dictionary(uniqueKeysWithValues: Self.channelNames.map { ($0, RecordingChannel()) })
    let clock = ManualClock(Instant(timeIntervalSince1970: 1_767_225_600))
    let engine = AlertingEngine(
      policy: policy, channels: recorders.mapValues { $0 as any Channel }, state: InMemoryStateStore(),
      clock: clock, routes: try Self.routes(Self.threeTeams), labels: ["team": "shop"])
    func run() async {
      _ = await engine.process(
        [
          AlertCandidate(
            function: "shop", check: "website-status", target: "home", healthy: false, summary: "down",
            facts: [],
            observedAt: clock.now)
        ], function: "shop", requestID: UUID().uuidString, logger: .silent)
    }
    await run()
    clock.set(clock.now.addingTimeInterval(600))
    await run()
    func sent(_ channel: String) -> [String] {
      recorders[channel]?.sent.withLock {
        $0.flatMap { $0.notices.map { "\($0.status.rawValue)[\($0.step ?? 0)]" } }
      }
        ?? []
    }
    // Critical (the default severity) from shop: the route's two channels at step 1; the step's own at step 2.
    #expect(sent("ops-wecom") == ["firing[1]"])
    #expect(sent("ops-sms") == ["firing[1]", "firing[2]"])
    #expect(sent("console").isEmpty && sent("data-mail").isEmpty)
  }

  /// Routes by notice status: pages (firing steps, reminders) to the pager, the all-clear only to the team's
  /// chat, everything else to the default. A step that names its own channels keeps them.
  @Test func eachNoticeGoesWhereTheRouteForItsStatusSays() async throws {
    var policy = AlertPolicy()
    policy.escalation = [.init(offset: 0), .init(offset: 600, channels: ["ops-sms"])]
    policy.repeatEvery = 600
    policy.recoverAfter = 1
    let recorders = Dictionary(uniqueKeysWithValues: Self.channelNames.map { ($0, RecordingChannel()) })
    let clock = ManualClock(Instant(timeIntervalSince1970: 1_767_225_600))
    let routes = try Self.routes(
      """
      - match: {status: [firing, reminder]}
        channels: [ops-wecom]
      - match: {status: resolved}
        channels: [data-feishu]
      - channels: [console]
      """)
    let engine = AlertingEngine(
      policy: policy, channels: recorders.mapValues { $0 as any Channel }, state: InMemoryStateStore(),
      clock: clock, routes: routes)
    func run(healthy: Bool = false) async {
      _ = await engine.process(
        [
          AlertCandidate(
            function: "shop", check: "website-status", target: "home", healthy: healthy, summary: "down",
            facts: [], observedAt: clock.now)
        ], function: "shop", requestID: UUID().uuidString, logger: .silent)
    }
    await run()  // step 1
    clock.set(clock.now.addingTimeInterval(600))
    await run()  // step 2: its own channel
    clock.set(clock.now.addingTimeInterval(600))
    await run()  // reminder
    clock.set(clock.now.addingTimeInterval(60))
    await run(healthy: true)  // resolved
    func sent(_ channel: String) -> [String] {
      recorders[channel]?.sent.withLock {
        $0.flatMap { $0.notices.map { "\($0.status.rawValue)[\($0.step ?? 0)]" } }
      } ?? []
    }
    #expect(sent("ops-wecom") == ["firing[1]", "reminder[0]"])
    // The resolve reaches the status route's channel and, as every resolve, the steps' own channels.
    #expect(sent("ops-sms") == ["firing[2]", "resolved[0]"])
    #expect(sent("data-feishu") == ["resolved[0]"])
    #expect(sent("console").isEmpty)
  }

  /// A route's `language:` is its channels' (those without their own); one channel given two is an error.
  @Test func aRouteGivesItsChannelsItsLanguage() throws {
    func read(_ yaml: String, file: String = "serverless.yml") throws -> ConfigValue {
      ConfigValue(
        try YAMLParser.parse(yaml, file: file), path: "custom.vigil",
        substitution: EnvironmentSubstitution(environment: [:]))
    }
    let channels = try AlertingConfig.channels(
      read(
        "data-feishu: {type: console}\nops-wecom: {type: console, language: en}\nconsole-2: {type: console}\n"
      ),
      logger: .silent, transport: CurlHTTPClient())
    let routes = try AlertRoutes.read(
      read(
        "- match: {labels: {team: data}}\n  channels: [data-feishu, ops-wecom]\n  language: zh\n- channels: [console-2]\n"
      ),
      channels: channels)
    let spoken = try routes.applyingLanguages(to: channels)
    #expect((spoken["data-feishu"] as? PresentedChannel)?.language == .zh)
    #expect((spoken["ops-wecom"] as? PresentedChannel)?.language == .en)  // its own
    #expect((spoken["console-2"] as? PresentedChannel)?.language == .en)
    let clash = try AlertRoutes.read(
      read(
        "- match: {function: a}\n  channels: [data-feishu]\n  language: zh\n- channels: [data-feishu]\n  language: en\n"
      ),
      channels: channels)
    let error = try #require(throws: ConfigError.self) { try clash.applyingLanguages(to: channels) }
    #expect("\(error)".hasPrefix("serverless.yml:4:3"), "\(error)")
    #expect("\(error)".contains("channel 'data-feishu' would speak en here and zh"), "\(error)")
  }
}
