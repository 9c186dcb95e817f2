import Foundation
import Testing
import VigilAlerting
import VigilCore
import VigilCron
import VigilNet

@testable import VigilRuntime

/// A function's own `alerting:` keys over the project's policy: what each function's alerts follow, key by key.
@Suite struct FunctionPolicyTests {
  static let serverless = """
    custom:
      vigil:
        channels:
          ops: {type: webhook, url: 'http://127.0.0.1:9/ops'}
          data: {type: webhook, url: 'http://127.0.0.1:9/data'}
          sms: {type: webhook, url: 'http://127.0.0.1:9/sms'}
          mail: {type: webhook, url: 'http://127.0.0.1:9/mail'}
        alerting:
          trigger: {consecutive: 3}
          recoverAfter: 2
          escalation: [1m, 10m, 60m]
          repeatEvery: 30m
          channels: [console, ops]
          quietHours: {from: 23, to: 7}
          flap: {window: 10, changes: 4}
    functions:
      web:
        handler: website-status
      kafka:
        handler: kafka-backlog
      host:
        handler: host-resources
        alerting:
          escalation: [0s, {after: 5m, channels: [sms]}]
          quietHours: false
          repeatEvery: false
          flap: false
      shop:
        handler: website-status
    """

  static func project(_ serverless: String = serverless, files: [String: String] = [:]) throws -> Project {
    let folder = NSTemporaryDirectory() + "vigil-policy-\(UUID().uuidString)"
    for (path, text) in files.merging(["serverless.yml": serverless], uniquingKeysWith: { a, _ in a }) {
      let full = folder + "/" + path
      try FileManager.default.createDirectory(
        atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try text.write(toFile: full, atomically: true, encoding: .utf8)
    }
    return try Project.load(path: folder + "/serverless.yml", environment: [:])
  }

  static let files = [
    "functions/web/config.yml": "targets:\n  - {name: app, url: 'http://127.0.0.1:9/'}\n",
    "functions/kafka/config.yml":
      "bootstrap: 127.0.0.1:9\ngroups: [orders]\nalerting:\n  trigger: {nOfM: [2, 3]}\n  channels: [data]\n",
    "functions/host/config.yml": "host: web-1\n",
    "functions/shop/config.yml": """
    targets:
      - {name: shop, url: 'http://127.0.0.1:9/'}
    alerting:
      fallback: [sms, mail]
      ignoreHours: [3]
      maintenance: [{cron: '0 0 4 * * * *', duration: 30m}]
    """,
  ]

  /// The alerting engine a run of `function` gets.
  static func engine(_ project: Project, _ function: String) throws -> AlertingEngine {
    let spec = try #require(project.config.function(named: function))
    let settings = try project.runtimeSettings(of: spec)
    return try project.alertingEngine(
      logger: .silent, state: InMemoryStateStore(), clock: SystemClock(), function: spec,
      overrides: settings.alerting)
  }

  /// The effective policy of `function`.
  static func policy(_ project: Project, _ function: String) throws -> AlertPolicy {
    try engine(project, function).policy
  }

  @Test func eachFunctionFollowsItsOwnKeysAndInheritsTheRest() throws {
    let project = try Self.project(files: Self.files)
    let web = try Self.policy(project, "web")
    let kafka = try Self.policy(project, "kafka")
    let host = try Self.policy(project, "host")
    let shop = try Self.policy(project, "shop")
    // Column by column: (trigger, recoverAfter, escalation offsets, step channels, repeatEvery, channels, fallback,
    // quiet hours, flap, ignore hours, maintenance windows).
    #expect(web.trigger == .consecutive(3))
    #expect(kafka.trigger == .nOfM(n: 2, m: 3))
    #expect(host.trigger == .consecutive(3))
    #expect([web, kafka, host, shop].map(\.recoverAfter) == [2, 2, 2, 2])
    #expect(web.escalation.map(\.offset) == [60, 600, 3600])
    #expect(kafka.escalation.map(\.offset) == [60, 600, 3600])
    #expect(host.escalation.map(\.offset) == [0, 300])
    #expect(host.escalation.map(\.channels) == [nil, ["sms"]])
    #expect([web, kafka, host, shop].map(\.repeatEvery) == [1800, 1800, nil, 1800])
    #expect(web.channels == ["console", "ops"])
    #expect(kafka.channels == ["data"])
    #expect(host.channels == ["console", "ops"])
    // A fallback chain starts at its head.
    #expect(shop.channels == ["sms"])
    #expect(shop.fallback == ["sms", "mail"])
    #expect(web.quietHours == AlertPolicy.QuietHours(from: 23, to: 7))
    #expect(host.quietHours == nil)
    #expect(web.flap == AlertPolicy.FlapDetection(window: 10, changes: 4))
    #expect(host.flap == nil)
    #expect(shop.ignoreHours == [3] && web.ignoreHours.isEmpty)
    #expect(shop.maintenance.map(\.duration) == [1800] && web.maintenance.isEmpty)
  }

  @Test func channelsNamedOverAProjectFallbackReplaceIt() throws {
    let project = try Self.project(
      """
      custom:
        vigil:
          channels:
            a: {type: webhook, url: 'http://127.0.0.1:9/a'}
            b: {type: webhook, url: 'http://127.0.0.1:9/b'}
            c: {type: webhook, url: 'http://127.0.0.1:9/c'}
          alerting:
            fallback: [a, b]
      functions:
        chained:
          handler: host-resources
        direct:
          handler: host-resources
          alerting: {channels: [c]}
      """, files: ["functions/chained/config.yml": "host: h\n", "functions/direct/config.yml": "host: h\n"])
    let chained = try Self.policy(project, "chained")
    let direct = try Self.policy(project, "direct")
    #expect(chained.channels == ["a"] && chained.fallback == ["a", "b"])
    #expect(direct.channels == ["c"] && direct.fallback == [])
  }

  @Test func aTargetsOwnKeysAndLabelsApplyToItsAlertsOnly() throws {
    let project = try Self.project(
      files: Self.files.merging([
        "functions/shop/config.yml": """
        targets:
          - {name: home, url: 'http://127.0.0.1:9/'}
          - name: checkout
            url: 'http://127.0.0.1:9/checkout'
            labels: {team: payments}
            alerting: {trigger: {consecutive: 1}, channels: [sms], escalation: [0s]}
        """
      ]) { _, new in new })
    let spec = try #require(project.config.function(named: "shop"))
    let settings = try project.runtimeSettings(of: spec)
    // The check reads its targets without the runtime's keys.
    let items = try #require(try settings.check?.mapping(allowed: ["targets"]).required("targets").list())
    #expect(try items.map { try $0.entries().map(\.key) } == [["name", "url"], ["name", "url"]])
    let engine = try Self.engine(project, "shop")
    let checkout = try #require(engine.targets.policies["checkout"])
    #expect(engine.targets.policies["home"] == nil)
    #expect(checkout.trigger == .consecutive(1) && engine.policy.trigger == .consecutive(3))
    #expect(checkout.channels == ["sms"] && checkout.escalation.map(\.offset) == [0])
    // The rest is the function's (here the project's).
    #expect(checkout.recoverAfter == 2 && checkout.repeatEvery == 1800)
    #expect(engine.targets.labels == ["checkout": ["team": "payments"]])
    #expect(engine.targets.unrouted == ["checkout"])
  }

  /// The error `function`'s policy fails with when its config.yml says `text`, as text; and the file's path.
  static func failure(_ function: String, configYAML text: String) throws -> (message: String, file: String) {
    let project = try Self.project(
      files: Self.files.merging(["functions/\(function)/config.yml": text]) { _, new in new })
    let error = try #require(throws: ConfigError.self) { try Self.policy(project, function) }
    return ("\(error)", project.functionConfigPath(function))
  }

  @Test func mistakesAreNamedAtTheirPlace() throws {
    let unknownKey = try Self.failure(
      "kafka",
      configYAML: "bootstrap: 127.0.0.1:9\ngroups: [orders]\nalerting:\n  trigerr: {consecutive: 2}\n")
    #expect(unknownKey.message.hasPrefix(unknownKey.file + ":4:3"), "\(unknownKey.message)")
    #expect(unknownKey.message.contains("trigerr"), "\(unknownKey.message)")

    let unknownChannel = try Self.failure(
      "web",
      configYAML: "targets:\n  - {name: app, url: 'http://127.0.0.1:9/'}\nalerting:\n  channels: [pager]\n")
    #expect(unknownChannel.message.hasPrefix(unknownChannel.file + ":4:"), "\(unknownChannel.message)")
    #expect(unknownChannel.message.contains("pager"), "\(unknownChannel.message)")

    let quietTarget = try Self.failure(
      "web",
      configYAML:
        "targets:\n  - name: app\n    url: 'http://127.0.0.1:9/'\n    alerting: {quietHours: {from: 1, to: 2}}\n"
    )
    #expect(quietTarget.message.hasPrefix(quietTarget.file + ":4:16"), "\(quietTarget.message)")
    #expect(quietTarget.message.contains("unknown key 'quietHours'"), "\(quietTarget.message)")

    let unnamed = try Self.failure(
      "web", configYAML: "targets:\n  - url: 'http://127.0.0.1:9/'\n    labels: {team: shop}\n")
    #expect(unnamed.message.hasPrefix(unnamed.file + ":2:5"), "\(unnamed.message)")
    #expect(unnamed.message.contains("needs a 'name'"), "\(unnamed.message)")

    // The host function sets its alerting in serverless.yml; its config.yml may not set it again.
    let twice = try Self.failure("host", configYAML: "host: web-1\nalerting:\n  recoverAfter: 3\n")
    #expect(twice.message.hasPrefix(twice.file + ":3:"), "\(twice.message)")
    #expect(
      twice.message.contains("set twice") && twice.message.contains("serverless.yml:"), "\(twice.message)")
  }
}
