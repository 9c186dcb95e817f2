import Foundation
import QueueDepth
import Testing
import Vigil

/// The check on its own: its configuration's errors are located, and against a real HTTP server (Python's
/// http.server on loopback) a queue over its depth alerts only while it is not getting shorter.
@Suite struct QueueDepthCheckTests {
  func context(_ config: String, state: any StateStore, environment: [String: String] = [:]) throws -> Context
  {
    Context(
      requestID: UUID().uuidString, functionName: "queue-depth", region: "local", memoryLimitMB: 64,
      timeLimit: 10, deadline: Instant().addingTimeInterval(10), environment: environment, logger: .silent,
      state: state, clock: SystemClock(),
      configuration: try ConfigValue.parse(config, file: "functions/queue-depth/config.yml"))
  }

  @Test func configurationMistakesAreLocated() throws {
    let cases = [
      ("queues:\n  - {name: Orders, url: 'http://h:1/', maxDepth: 1}\n", "2:12", "name must be lower-case"),
      (
        "queues:\n  - {name: o, url: 'https://h/', maxDepth: 1}\n", "2:20",
        "url must be http://host:port/path"
      ),
      ("queues:\n  - {name: o, url: 'http://h/', maxDepth: -1}\n", "2:43", "maxDepth"),
      ("queues:\n  - {name: o, url: 'http://h/', maxDepth: 1, depth: 2}\n", "2:", "depth"),
      ("queues: []\n", "1:9", "at least one queue"),
    ]
    for (text, place, message) in cases {
      do {
        _ = try QueueDepthConfig.read(try ConfigValue.parse(text, file: "config.yml"))
        Issue.record("accepted: \(text)")
      } catch {
        #expect("\(error)".hasPrefix("config.yml:\(place)"), "\(error)")
        #expect("\(error)".contains(message), "\(error)")
      }
    }
  }

  @Test func aQueueOverItsDepthAlertsOnlyWhileItIsNotDraining() async throws {
    let server = try DepthServer()
    defer { server.stop() }
    let state = InMemoryStateStore()
    let config = "queues:\n  - {name: orders, url: '\(server.url("orders"))', maxDepth: 1000, timeout: 2s}\n"
    func check(_ depth: Int) async throws -> (QueueDepthCheck.QueueResult, AlertCandidate) {
      try server.serve("orders", "{\"depth\": \(depth)}")
      let output = try await QueueDepthCheck().handle(
        InvocationEvent(json: .object([:])), context: try context(config, state: state))
      return (try #require(output.queues.first), try #require(output.alertCandidates.first))
    }
    let (first, _) = try await check(5000)
    #expect(first.healthy && first.summary.hasSuffix("first sample: judged at the next run"))
    try await state.delete("queue-depth/queue-depth/orders.json")
    let (calm, calmAlert) = try await check(200)
    #expect(calm.healthy && calm.depth == 200 && calm.previousDepth == nil)
    #expect(calmAlert.key == "queue-depth/queue-depth/orders" && calmAlert.healthy)
    let (growing, growingAlert) = try await check(1500)
    #expect(!growing.healthy && growing.draining == false && growing.previousDepth == 200)
    #expect(growingAlert.summary == "orders not draining: depth 1500 (was 200), over 1000")
    #expect(growingAlert.facts.contains(.init("depth", "1500")))
    let (stuck, _) = try await check(1500)
    #expect(!stuck.healthy, "no shorter than the last run is not draining")
    let (draining, drainingAlert) = try await check(1200)
    #expect(draining.healthy && draining.draining == true && drainingAlert.healthy)
    server.stop()
    let (gone, goneAlert) = try await check(1200)
    #expect(!gone.healthy && gone.depth == nil)
    #expect(
      goneAlert.summary.hasPrefix("orders unreadable: cannot connect to 127.0.0.1:"), "\(goneAlert.summary)")
  }

  @Test func anAnswerThatIsNotADepthIsNamed() async throws {
    let server = try DepthServer()
    defer { server.stop() }
    try server.serve("orders", "<html>oops</html>")
    let config = "queues:\n  - {name: orders, url: '\(server.url("orders"))', maxDepth: 10}\n"
    let output = try await QueueDepthCheck().handle(
      InvocationEvent(json: .object([:])), context: try context(config, state: InMemoryStateStore()))
    #expect(output.queues.first?.summary == "orders unreadable: the body is not {\"depth\": N}")
    let missing = "queues:\n  - {name: orders, url: '\(server.url("nothing-here"))', maxDepth: 10}\n"
    let notFound = try await QueueDepthCheck().handle(
      InvocationEvent(json: .object([:])), context: try context(missing, state: InMemoryStateStore()))
    #expect(notFound.queues.first?.summary == "orders unreadable: HTTP 404")
  }
}

/// The binary this package builds: the whole vigil command line with queue-depth beside the built-ins, on this
/// package's own serverless.yml and functions/.
@Suite struct CustomCheckBinaryTests {
  @Test func listShowsTheCustomHandlerBesideTheBuiltIns() throws {
    let listed = try run([Paths.binary, "list"])
    #expect(listed.status == 0, "\(listed.stderr)")
    #expect(listed.stdout.contains("queue-depth"), "\(listed.stdout)")
    let validated = try run(
      [Paths.binary, "validate"], environment: ["ORDERS_QUEUE_URL": "http://127.0.0.1:9/q"])
    #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")
    #expect(validated.stdout.contains("serverless.yml: OK (1 functions)"), "\(validated.stdout)")
  }

  @Test func validateReportsTheCustomChecksOwnMistakesAtTheirPlace() throws {
    let folder = NSTemporaryDirectory() + "custom-check-\(UUID().uuidString)"
    try FileManager.default.createDirectory(
      atPath: folder + "/functions/queue-depth", withIntermediateDirectories: true)
    try "functions:\n  queue-depth:\n    handler: queue-depth\n".write(
      toFile: folder + "/serverless.yml", atomically: true, encoding: .utf8)
    try "queues:\n  - {name: orders, url: 'ftp://x/', maxDepth: 5}\n".write(
      toFile: folder + "/functions/queue-depth/config.yml", atomically: true, encoding: .utf8)
    let validated = try run([Paths.binary, "validate"], in: folder)
    #expect(validated.status == 2)
    #expect(
      validated.stderr.contains("functions/queue-depth/config.yml:2:25: url must be http://host:port/path"),
      "\(validated.stderr)")
  }

  @Test func invokeRunsTheCheckAndAlertsOnTheConsole() throws {
    let server = try DepthServer()
    defer { server.stop() }
    let state = NSTemporaryDirectory() + "custom-check-state-\(UUID().uuidString)"
    let environment = ["ORDERS_QUEUE_URL": server.url("orders"), "VIGIL_STATE": state]
    try server.serve("orders", "{\"depth\": 4000}")
    let first = try run([Paths.binary, "invoke", "queue-depth"], environment: environment)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains("first sample: judged at the next run"), "\(first.stdout)")
    #expect(!first.stderr.contains("FIRING"), "one sample over the depth is not yet 'not draining'")
    #expect(
      first.stdout.contains("\"depth\" : 4000") || first.stdout.contains("\"depth\":4000"), "\(first.stdout)")
    try server.serve("orders", "{\"depth\": 4100}")
    let second = try run([Paths.binary, "invoke", "queue-depth"], environment: environment)
    #expect(second.status == 0, "\(second.stderr)")
    // The console channel's notice (in its log record), with the facts.
    #expect(
      second.stderr.contains(
        "FIRING [critical] orders not draining: depth 4100 (was 4000), over 1000\\n  url: "),
      "\(second.stderr)")
    #expect(second.stderr.contains("previous depth: 4000"), "\(second.stderr)")
  }

  /// The Lambda Runtime API loop of the same binary under AWS's Runtime Interface Emulator (the Vigil
  /// repository's .peers/rie, made by its scripts/bootstrap --test-peers).
  @Test func theLambdaLoopRunsTheCustomHandler() throws {
    let server = try DepthServer()
    defer { server.stop() }
    try server.serve("orders", "{\"depth\": 7}")
    let state = NSTemporaryDirectory() + "custom-check-rie-\(UUID().uuidString)"
    let spec: [String: Any] = [
      "bootstrap": [Paths.binary, "runtime"], "cwd": Paths.package, "payloads": [[:], [:]],
      "env": [
        "AWS_LAMBDA_FUNCTION_NAME": "queue-depth", "AWS_LAMBDA_FUNCTION_TIMEOUT": "10",
        "VIGIL_CONFIG": Paths.package + "/serverless.yml", "VIGIL_STATE": state,
        "ORDERS_QUEUE_URL": server.url("orders"),
      ],
    ]
    let text = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
    let finished = try run(
      ["/usr/bin/python3", Paths.vigil + "/Tests/Support/tools/rie_invoke.py", text], timeout: 120)
    #expect(finished.status == 0, "\(finished.stderr)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(finished.stdout.utf8)) as? [String: Any])
    let answers = json["answers"] as? [[String: Any]] ?? []
    #expect(answers.map { $0["status"] as? Int } == [200, 200], "\(finished.stdout)")
    for answer in answers {
      let body = try JSONSerialization.jsonObject(with: Data((answer["body"] as? String ?? "").utf8))
      let queues = (body as? [String: Any])?["queues"] as? [[String: Any]]
      #expect(queues?.first?["depth"] as? Int == 7, "\(answer)")
    }
  }
}
