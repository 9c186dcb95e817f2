import Foundation
import TestSupport
import Testing

@Suite struct InvokeCLITests {
  let serverless = """
    service: cli-test
    provider:
      timeout: 5
    functions:
      echo-fn:
        handler: echo
      failing:
        handler: fail
      slow:
        handler: sleep
        timeout: 0.5
      planned:
        handler: heartbeat-ingest
    """

  @Test func successPrintsTheResultAndLogsJSONLinesWithTheRequestID() async throws {
    let project = try makeProject(
      serverless,
      files: [
        "functions/echo-fn/event.json":
          #"{"Type":"Timer","TriggerName":"t","Time":"2026-01-01T00:00:00Z","Message":"hi"}"#
      ])
    let run = try await vigil(["invoke", "echo-fn"], in: project)
    #expect(run.status == 0, "\(run.stderr)")
    let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
    #expect(result?["eventKind"] as? String == "timer")
    let records = run.logRecords
    #expect(!records.isEmpty)
    let requestIDs = Set(records.compactMap { $0["requestId"] as? String })
    #expect(requestIDs.count == 1)
    #expect(requestIDs.first == result?["requestId"] as? String)
  }

  @Test func eventFromStandardInput() async throws {
    let project = try makeProject(serverless)
    let run = try await vigil(
      ["invoke", "echo-fn", "--event", "-"], in: project,
      input: #"{"httpMethod":"POST","path":"/x","body":"{}"}"#)
    #expect(run.status == 0)
    #expect(run.stdout.contains("\"eventKind\" : \"gateway\""))
  }

  @Test func handlerFailureExitsOneWithTheErrorJSON() async throws {
    let project = try makeProject(serverless)
    let run = try await vigil(
      ["invoke", "failing", "--event", "-"], in: project, input: #"{"message":"boom"}"#)
    #expect(run.status == 1)
    let error = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
    #expect(error?["errorType"] as? String == "DeliberateFailure")
    #expect(error?["errorMessage"] as? String == "boom")
    #expect(run.logRecords.contains { $0["level"] as? String == "error" })
  }

  @Test func timeoutIsStoppedAndReported() async throws {
    let project = try makeProject(serverless)
    let started = Date()
    let run = try await vigil(["invoke", "slow", "--event", "-"], in: project, input: #"{"seconds": 30}"#)
    #expect(run.status == 124)
    // Stopped at its 0.5 s, not after the 30 s it asked for: the bound leaves room for a process start on a
    // loaded machine (11 s was seen with every core kept busy).
    #expect(Date().timeIntervalSince(started) < 25)
    let error = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
    #expect(error?["errorType"] as? String == "TimeoutError")
    #expect((error?["errorMessage"] as? String)?.hasPrefix("Task timed out after 0.50 seconds") == true)
  }

  @Test func unrunnableOrBadInputExitsTwoAndSaysWhy() async throws {
    let project = try makeProject(serverless, files: ["bad.json": "{\"Type\": "])
    let planned = try await vigil(["invoke", "planned"], in: project)
    // Its handler needs a config.yml it does not have: a configuration error, exit 2, naming the file.
    #expect(planned.status == 2)
    #expect(
      planned.stdout.contains(
        "functions/heartbeat-ingest/config.yml:1:1: heartbeat-ingest needs a config.yml"))
    let missing = try await vigil(["invoke", "nope"], in: project)
    #expect(missing.status == 2)
    #expect(missing.stdout.contains("no function 'nope'"))
    let badEvent = try await vigil(["invoke", "echo-fn", "--event", "bad.json"], in: project)
    #expect(badEvent.status == 2)
    #expect(badEvent.stderr.contains("bad.json: the event is not valid JSON"))
    let noName = try await vigil(["invoke"], in: project)
    #expect(noName.status == 2)
    #expect(noName.stderr.contains("which function?"))
    let noConfig = try await vigil(["invoke", "echo-fn", "--config", "missing.yml"], in: project)
    #expect(noConfig.status == 2)
    #expect(noConfig.stderr.contains("missing.yml"))
  }
}

@Suite struct ValidateAndListCLITests {
  @Test func validateReportsEveryProblemWithItsPlace() async throws {
    let project = try makeProject(
      """
      functions:
        web:
          handler: website-status
          events:
            - timer:
                parameters:
                  cronExpression: '0 0 25 * * * *'
                  timezone: Mars/Base
        other:
          handler: echo
          environment:
            variables:
              TOKEN: ${env:VIGIL_TEST_UNSET_TOKEN}
      """,
      files: [
        "functions/web/config.yml":
          "targets:\n  - url: http://127.0.0.1:1/\n    conditions: [\"status =! 200\"]\n"
      ])
    let run = try await vigil(["validate"], in: project)
    #expect(run.status == 2)
    #expect(
      run.stderr.contains("serverless.yml:7:29: invalid cron expression '0 0 25 * * * *': hour field '25'"),
      "\(run.stderr)")
    #expect(run.stderr.contains("serverless.yml:8:23: unknown time zone 'Mars/Base'"), "\(run.stderr)")
    #expect(
      run.stderr.contains("serverless.yml:13:16: environment variable VIGIL_TEST_UNSET_TOKEN is not set"),
      "\(run.stderr)")
    #expect(
      run.stderr.contains("functions/web/config.yml:3:18: condition 'status =! 200': unknown operator '=!'"),
      "\(run.stderr)")
    #expect(run.stderr.contains("4 problems found"))
  }

  @Test func theRepositoryProjectValidatesAndListsItsTriggers() async throws {
    let validate = try await vigil(["validate"])
    #expect(validate.status == 0, "\(validate.stderr)")
    #expect(validate.stdout.contains("serverless.yml: OK (8 functions)"))
    let list = try await vigil(["list", "--now", "2026-11-22T10:00:30+08:00"])
    #expect(list.status == 0)
    #expect(list.stdout.contains("website-status  handler=website-status [available]"))
    #expect(
      list.stdout.contains(
        "timer every-minute  '0 */1 * * * * *'  tz=Asia/Shanghai  next=2026-11-22T10:01:00+08:00"))
    #expect(
      list.stdout.contains("kafka-backlog  handler=kafka-backlog [available]"))
  }

  /// The README's first command, as written, on the embedded default.
  /// The README's main command on the embedded default, as the README tells it: with nothing on 127.0.0.1:8080
  /// both targets are down and one grouped alert is printed; a second run sends nothing; with a server there,
  /// the next run prints both resolved. The test owns port 8080 (the suite's peers use ephemeral ports).
  @Test func readmeMainCommandRunsOnTheEmbeddedDefault() async throws {
    try #require(
      !Self.accepts(port: 8080), "something else listens on 127.0.0.1:8080; this test needs it free")
    let state = NSTemporaryDirectory() + "vigil-readme-\(UUID().uuidString)"
    let command = [
      "invoke", "website-status", "--event", "functions/website-status/event.json", "--state-dir", state,
    ]
    func alerts(_ run: VigilRun) -> [String] { run.logRecords.compactMap { $0["alert"] as? String } }
    func targets(_ run: VigilRun) throws -> [(name: String, up: Bool, kind: String?)] {
      let result = try #require(
        try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
      return (result["targets"] as? [[String: Any]] ?? []).map {
        ($0["name"] as? String ?? "", $0["up"] as? Bool ?? true, $0["errorKind"] as? String)
      }
    }
    let down = try await vigil(command)
    #expect(down.status == 0, "\(down.stderr)")
    let downTargets = try targets(down)
    #expect(downTargets.map(\.name) == ["local-app", "local-health"])
    #expect(downTargets.allSatisfy { !$0.up && $0.kind == "refused" }, "\(downTargets)")
    #expect(alerts(down).count == 1)
    #expect(alerts(down).first?.hasPrefix("[vigil] website-status: 2 firing") == true, "\(alerts(down))")
    #expect(down.logRecords.contains { $0["msg"] as? String == "invocation finished" })
    let again = try await vigil(command)
    #expect(again.status == 0 && alerts(again).isEmpty, "nothing is re-sent: \(alerts(again))")
    // A server on 8080, as the README suggests (with an /healthz that says ok).
    let root = NSTemporaryDirectory() + "vigil-readme-www-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    try "ok\n".write(toFile: root + "/healthz", atomically: true, encoding: .utf8)
    let server = TestProcess()
    server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    server.arguments = ["python3", "-m", "http.server", "8080", "--bind", "127.0.0.1"]
    server.currentDirectoryURL = URL(fileURLWithPath: root)
    server.standardOutput = FileHandle.nullDevice
    server.standardError = FileHandle.nullDevice
    try server.run()
    defer {
      server.terminate()
      _ = server.waitForExit(killAfter: 10)
    }
    // Wait (bounded) until it accepts connections.
    let deadline = Date().addingTimeInterval(30)
    while !Self.accepts(port: 8080) && Date() < deadline && server.isRunning {
      try await Task.sleep(nanoseconds: 20_000_000)
    }
    try #require(Self.accepts(port: 8080), "python3 -m http.server 8080 did not start")
    let up = try await vigil(command)
    #expect(up.status == 0, "\(up.stderr)")
    #expect(try targets(up).map(\.up) == [true, true], "\(up.stdout)")
    #expect(alerts(up).count == 1)
    #expect(alerts(up).first?.hasPrefix("[vigil] website-status: 2 resolved") == true, "\(alerts(up))")
  }

  /// Whether something accepts TCP connections on 127.0.0.1:`port`.
  static func accepts(port: Int) -> Bool {
    let connection = loopbackConnection(port: port)
    if connection >= 0 { close(connection) }
    return connection >= 0
  }
}
