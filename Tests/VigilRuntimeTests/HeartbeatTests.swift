import Foundation
import TestSupport
import Testing
import VigilChecks
import VigilCore
import VigilCron

@testable import VigilRuntime

/// Heartbeats end to end through the invoker and the alerting engine, with an injected clock: reports go in
/// through `heartbeat-ingest`, the watchdog runs every minute, and the notifications are what an on-call
/// engineer would receive.
@Suite struct HeartbeatTests {
  let token = "heartbeat-test-token-0042"

  func project(watchdog: String) throws -> Project {
    let root = NSTemporaryDirectory() + "vigil-heartbeats-\(UUID().uuidString)"
    let files = [
      "serverless.yml": """
      service: hb
      custom:
        vigil:
          timezone: Asia/Shanghai
      functions:
        heartbeat-ingest:
          handler: heartbeat-ingest
          events:
            - apigw:
                parameters:
                  endpoints:
                    - {path: '/heartbeat/{host}', method: POST}
        heartbeat-watchdog:
          handler: heartbeat-watchdog
      """,
      "functions/heartbeat-ingest/config.yml": "token: \(token)\n",
      "functions/heartbeat-watchdog/config.yml": watchdog,
    ]
    for (path, text) in files {
      let url = URL(fileURLWithPath: "\(root)/\(path)")
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(text.utf8).write(to: url)
    }
    return try Project.load(path: "\(root)/serverless.yml", environment: [:])
  }

  /// 2026-11-23 10:00:00 in Shanghai.
  static let morning = Instant(timeIntervalSince1970: 1_795_399_200)

  struct Harness {
    let invoker: LocalInvoker
    let clock: ManualClock
    let token: String
    let state: InMemoryStateStore
    let sink: CapturingSink

    func report(_ host: String, token: String? = nil, body: String = "{\"cpu\": 12.5}") async
      -> GatewayResponse?
    {
      let event = InvocationEvent.gateway(
        GatewayEvent(
          httpMethod: "POST", path: "/heartbeat/\(host)",
          headers: ["Authorization": "Bearer \(token ?? self.token)"], pathParameters: ["host": host],
          body: body))
      let outcome = await invoker.invoke("heartbeat-ingest", event: event)
      guard case .success(let output) = outcome.result, let json = try? JSONValue.from(output.json) else {
        return nil
      }
      return try? JSONCoding.decode(GatewayResponse.self, from: JSONCoding.encode(json))
    }

    /// Runs the watchdog once; returns the notices it sent as "status host".
    func watch() async -> [String] {
      let outcome = await invoker.invoke("heartbeat-watchdog", event: .raw(.object([:])))
      return (outcome.notifications["console"]?.notices ?? []).map {
        "\($0.status.rawValue) \($0.candidate.target)"
      }
    }
  }

  func harness(
    _ watchdog: String = "escalation: [1m, 10m, 60m, 240m, 1440m]\nignoreHours: [3]\n",
    start: Instant = morning
  )
    throws -> Harness
  {
    let clock = ManualClock(start)
    let state = InMemoryStateStore()
    let sink = CapturingSink(redactor: Redactor())
    let invoker = LocalInvoker(
      project: try project(watchdog: watchdog), state: state, clock: clock, sink: sink)
    return Harness(invoker: invoker, clock: clock, token: token, state: state, sink: sink)
  }

  @Test func alertsExactlyAtEachOffsetGroupedPerRunThenResolves() async throws {
    let h = try harness()
    #expect(await h.report("web-01")?.statusCode == 200)
    #expect(await h.report("web-02")?.statusCode == 200)
    var alerts: [Int: [String]] = [:]
    for minute in 1...1440 {
      h.clock.advance(seconds: 60)
      _ = await h.report("db-01")  // db-01 keeps reporting: never alerted
      let notices = await h.watch()
      if !notices.isEmpty { alerts[minute] = notices }
    }
    // One grouped message per run, naming both silent hosts, at 1, 10, 60, 240 and 1440 minutes; none between.
    #expect(alerts.keys.sorted() == [1, 10, 60, 240, 1440])
    #expect(alerts.values.allSatisfy { $0 == ["firing web-01", "firing web-02"] })
    // web-01 returns: a resolved notice for it alone.
    h.clock.advance(seconds: 30)
    _ = await h.report("web-01")
    _ = await h.report("db-01")
    h.clock.advance(seconds: 30)
    let back = await h.watch()
    #expect(back == ["resolved web-01"])
    h.clock.advance(seconds: 20)
    _ = await h.report("web-01")
    _ = await h.report("db-01")
    h.clock.advance(seconds: 40)
    #expect(await h.watch() == [])
  }

  @Test func nothingDuringIgnoredHoursAndTheOutageIsNotifiedAfterThem() async throws {
    // Last report at 02:58:30 Shanghai time; 03:00-03:59 is ignored.
    let h = try harness(start: Instant(timeIntervalSince1970: 1_795_373_910))
    _ = await h.report("edge-01")
    h.clock.advance(seconds: 30)  // 02:59:00
    var alerts: [Int: [String]] = [:]
    for minute in 1...1441 {  // 03:00 onwards, one run a minute
      h.clock.advance(seconds: 60)
      let notices = await h.watch()
      if !notices.isEmpty { alerts[minute] = notices }
    }
    // Silent 61.5 min at 04:00 (minute 61): the 1 and 10 minute steps fell in the ignored hour, so one notice;
    // then 240 min after the last report (06:58:30, run at 06:59 = minute 240) and 1440 min (next day 02:59).
    #expect(alerts.keys.sorted() == [61, 240, 1440])
    #expect(alerts.values.allSatisfy { $0 == ["firing edge-01"] })
  }

  @Test func hostsNeverSeenOrRetiredAreNotAlerted() async throws {
    let h = try harness("hosts:\n  ghost: {escalation: [1m]}\n")
    _ = await h.report("old-01", body: "{\"active\": false}")
    var notices: [String] = []
    for _ in 1...15 {
      h.clock.advance(seconds: 60)
      notices += await h.watch()
    }
    #expect(notices == [])
  }

  @Test func aScheduledJobIsLateOnlyAfterItsGrace() async throws {
    // nightly-backup reports at 03:00 each day, with 30 minutes of grace.
    let h = try harness("hosts:\n  nightly-backup: {cron: '0 0 3 * * * *', grace: 30m}\n")
    _ = await h.report("nightly-backup")  // 10:00 today
    var alerts: [Int: [String]] = [:]
    for minute in 1...(18 * 60) {  // until 04:00 tomorrow
      h.clock.advance(seconds: 60)
      let notices = await h.watch()
      if !notices.isEmpty { alerts[minute] = notices }
    }
    // Due 03:00 tomorrow (+17 h), late at 03:30 (minute 1050): alerted then, not before.
    #expect(alerts.keys.sorted() == [1050])
    #expect(alerts[1050] == ["firing nightly-backup"])
  }

  @Test func ingestRefusesBadTokensHostsAndBodies() async throws {
    let h = try harness()
    #expect(await h.report("web-01", token: "wrong-token-wrong-token")?.statusCode == 401)
    #expect(await h.report("web 01")?.statusCode == 400)
    #expect(await h.report("web-01", body: "[1, 2]")?.statusCode == 400)
    #expect(await h.report("web-01", body: "{not json")?.statusCode == 400)
    let accepted = await h.report("web-01", body: "")
    #expect(accepted?.statusCode == 200)
    #expect(accepted?.body.contains("\"reports\":1") == true)
  }

  /// Figures nested `depth` levels deep: `{"a": {"a": … 1 …}}`.
  static func nested(_ depth: Int) -> String {
    String(repeating: "{\"a\": ", count: depth) + "1" + String(repeating: "}", count: depth)
  }

  @Test func figuresAreBoundedAndTheAnswerSaysWhy() async throws {
    let h = try harness()
    let limit = HeartbeatRecord.maximumFigureDepth
    #expect(await h.report("web-01", body: Self.nested(limit))?.statusCode == 200)
    for (body, reason) in [
      (Self.nested(limit + 1), "figures nested deeper than \(limit) levels"),
      (Self.nested(511), "figures nested deeper than \(limit) levels"),
      (Self.nested(512), "figures nested deeper than \(limit) levels"),
      (
        "{\"list\": [" + Array(repeating: "1", count: 1_500).joined(separator: ",") + "]}",
        "more than 1000 values"
      ),
      ("{\"note\": \"" + String(repeating: "x", count: 2_000) + "\"}", "a figure longer than 1024 bytes"),
    ] {
      let answer = try #require(await h.report("web-01", body: body))
      #expect(answer.statusCode == 400, "\(answer.body.prefix(200))")
      #expect(answer.body.contains(reason), "\(answer.body.prefix(200))")
      #expect(answer.body.utf8.count < 300, "\(answer.body.utf8.count) bytes")
    }
  }

  /// A record written before figures were bounded (figures 300 levels deep) costs the watchdog no more than
  /// any other: it is read down to the limit and the host is watched. A record that cannot be read at all is
  /// named in the log and skipped; every other host is still watched, and the host's next report starts it
  /// afresh.
  @Test func oneHostsRecordNeverHoldsUpTheWatchdog() async throws {
    let h = try harness()
    for host in ["db-01", "web-01", "web-02"] {
      #expect(await h.report(host)?.statusCode == 200)
    }
    let stored = try await #require(try h.state.read(HeartbeatRecord.key("db-01")))
    var record = try #require(try JSONSerialization.jsonObject(with: Data(stored)) as? [String: Any])
    record["figures"] = try JSONSerialization.jsonObject(with: Data(Self.nested(300).utf8))
    try await h.state.write(
      HeartbeatRecord.key("db-01"), [UInt8](try JSONSerialization.data(withJSONObject: record)))
    try await h.state.write(HeartbeatRecord.key("web-02"), [UInt8]("{\"host\": \"web-02\", \"lastSe".utf8))
    h.clock.advance(seconds: 90)
    #expect(Set(await h.watch()) == ["firing db-01", "firing web-01"])
    let warnings = h.sink.records.filter { $0.message.hasPrefix("a host's heartbeat record cannot be read") }
    #expect(warnings.map { $0.fields["key"] } == [HeartbeatRecord.key("web-02")])
    // Every host reports again: the damaged record is written afresh and the host is watched like the others.
    for host in ["db-01", "web-01", "web-02"] {
      #expect(await h.report(host)?.statusCode == 200)
    }
    #expect(Set(await h.watch()) == ["resolved db-01", "resolved web-01"])
    h.clock.advance(seconds: 90)
    #expect(Set(await h.watch()) == ["firing db-01", "firing web-01", "firing web-02"])
  }
}
