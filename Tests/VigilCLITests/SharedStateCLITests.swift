import Foundation
import TestSupport
import Testing

/// Instances that share nothing but a Redis store (Debian's redis-server on loopback, an ACL user with a
/// password): separate `vigil invoke` processes, each with a fresh state folder of its own, as each Kubernetes
/// CronJob run or cold FaaS instance is. What they must agree on lives in the store.
@Suite(.serialized) struct SharedStateCLITests {
  /// The shared stores the instances meet in.
  enum SharedStore: String, CaseIterable, CustomTestStringConvertible {
    case redis, s3
    /// The COS stand-in (no conditional PUT), through create-only versions.
    case cos
    var testDescription: String { rawValue }
  }

  /// A store URL with a key prefix no other test uses.
  func storeURL() async throws -> String { try await environment(.redis)["VIGIL_STATE"] ?? "" }

  /// What a process needs to use a fresh part of `store`: `VIGIL_STATE` (and, for S3, the credentials).
  func environment(_ store: SharedStore) async throws -> [String: String] {
    switch store {
    case .redis:
      let server = try await RedisTestPeer.server()
      return [
        "VIGIL_STATE":
          "redis://\(server.user):\(server.password)@127.0.0.1:\(server.port)/0?prefix=cli-\(UUID().uuidString):"
      ]
    case .s3:
      return try await S3TestPeer.credentials().merging(["VIGIL_STATE": try await S3TestPeer.url()]) {
        _, new in new
      }
    case .cos:
      let url = try await S3TestPeer.url(.cos, query: "&writes=create-only")
      return try await S3TestPeer.credentials(.cos).merging(["VIGIL_STATE": url]) { _, new in new }
    }
  }

  /// What a process sends when it makes its first create-only write of the function's ledger: the Redis
  /// script, or the HTTP PUT of the ledger object (its request line), on COS of its first version.
  func commitRequest(_ store: SharedStore) -> String {
    switch store {
    case .redis: "EXISTS', KEYS[1]) == 1"
    case .s3: "alerts/web.json HTTP/1.1"
    case .cos: "alerts/web.json/%40v/000000000001 HTTP/1.1"
    }
  }

  /// A project whose `web` function probes `target` and alerts the capture peer under `/hook/ok/<tag>`.
  func project(tag: String, target: String, alerting: String = "channels: [hook]") async throws -> String {
    try await webhookProject(
      hooks: [("hook", "/hook/ok/\(tag)")], alerting: alerting, timeout: 60,
      files: ["functions/web/config.yml": targets(target)])
  }

  func targets(_ url: String) -> String { "targets:\n  - {name: api, url: '\(url)', timeout: 5s}\n" }

  /// The status of each delivery the capture peer received for `tag` (firing / resolved), in order.
  func deliveries(_ tag: String) async throws -> [String] {
    try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)").map { request in
      let body = Data((request["body"] as? String ?? "").utf8)
      return (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["status"] as? String ?? "?"
    }
  }

  /// The CronJob case: four runs, each a new process with a new empty state folder, see the target down with
  /// `consecutive: 3`: one alert, at the third; then two runs see it up: one resolved notice.
  @Test(arguments: SharedStore.allCases)
  func freshInstancesOnOneStoreAlertOnceAtTheThirdFailureAndResolveOnce(_ store: SharedStore) async throws {
    let tag = UUID().uuidString
    let base = try await HTTPTestPeer.httpBase()
    let folder = try await project(
      tag: tag, target: base + "/status/503", alerting: "channels: [hook]\ntrigger: {consecutive: 3}")
    let env = try await environment(store).merging(["HOOK_SECRET": WebhookTestPeer.secret]) { _, new in new }
    var seen: [[String]] = []
    for _ in 1...4 {
      let run = try await vigil(["invoke", "web"], in: folder, environment: env)
      #expect(run.status == 0, "\(run.stderr)")
      seen.append(try await deliveries(tag))
    }
    #expect(seen == [[], [], ["firing"], ["firing"]])
    try targets(base + "/ok").write(
      toFile: folder + "/functions/web/config.yml", atomically: true, encoding: .utf8)
    for _ in 1...2 {
      let run = try await vigil(["invoke", "web"], in: folder, environment: env)
      #expect(run.status == 0, "\(run.stderr)")
      seen.append(try await deliveries(tag))
    }
    #expect(seen.suffix(2) == [["firing", "resolved"], ["firing", "resolved"]])
    // Nothing of it was kept in the project's folder.
    #expect(!FileManager.default.fileExists(atPath: folder + "/.vigil"))
  }

  /// Eight instances at once: each is stopped just before its first create-only write (its commit of the
  /// function's first ledger), so all eight read "no ledger" before any commits; then all go on. One wins the
  /// create, seven lose it and judge again on what the winner stored: one notification.
  @Test(arguments: SharedStore.allCases)
  func eightInstancesAtOnceOnOneStoreNotifyOnce(_ store: SharedStore) async throws {
    let tag = UUID().uuidString
    let folder = try await project(tag: tag, target: "http://127.0.0.1:\(unusedLoopbackPort())/")
    let env = try await environment(store).merging(["HOOK_SECRET": WebhookTestPeer.secret]) { _, new in new }
    var runs: [Task<VigilRun, any Error>] = []
    var gates: [CrashPoint.Gate] = []
    for index in 0..<8 {
      let gate = try CrashPoint.Gate()
      gates.append(gate)
      let preload = try await CrashPoint.environment(log: folder + "/log-\(index)")
      runs.append(
        Task {
          try await vigil(
            ["invoke", "web"], in: folder,
            environment: env.merging(preload) { _, new in new }
              .merging(gate.environment(hold: commitRequest(store), wait: true)) { _, new in new })
        })
    }
    for (index, gate) in gates.enumerated() {
      #expect(await gate.waitUntilReached(timeout: 120), "instance \(index) never reached its commit")
    }
    for gate in gates { gate.releaseHeld() }
    var results: [VigilRun] = []
    for run in runs { results.append(try await run.value) }
    #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
    #expect(try await deliveries(tag) == ["firing"])
  }

  /// An instance killed right after its outbox write (before it clears the ledger's copy or sends anything):
  /// the next instance, another process with its own empty folder, delivers that entry, once.
  @Test func anEntryLeftByAKilledInstanceIsDeliveredOnceByAnother() async throws {
    let tag = UUID().uuidString
    let folder = try await project(tag: tag, target: "http://127.0.0.1:\(unusedLoopbackPort())/")
    let env = ["HOOK_SECRET": WebhookTestPeer.secret, "VIGIL_STATE": try await storeURL()]
    let gate = try CrashPoint.Gate()
    // The first compare-and-set after the commit and the outbox copy: the write that clears the ledger's copy.
    let killed = try await vigil(
      ["invoke", "web"], in: folder,
      environment: env.merging(try await CrashPoint.environment(log: folder + "/log-killed")) { _, new in new
      }
      .merging(gate.environment(hold: "HGET', KEYS[1], 'v') ~= ARGV[3]", wait: false)) { _, new in new }
      .merging(["VIGIL_CRASH_HOLD_KILL": "1"]) { _, new in new })
    #expect(killed.status == SIGKILL, "\(killed.stderr)")
    #expect(try await deliveries(tag) == [])
    for _ in 1...2 {
      let run = try await vigil(["invoke", "web"], in: folder, environment: env)
      #expect(run.status == 0, "\(run.stderr)")
    }
    #expect(try await deliveries(tag) == ["firing"])
  }

  /// The store goes away between runs and comes back with its data: the run without it still returns the
  /// check's result, prints the alert and STATE UNAVAILABLE, and exits non-zero; the first run after the
  /// restart sends the alert, once.
  @Test func aStoreOutageIsLoudAndTheAlertGoesOutOnceAfterIt() async throws {
    let tag = UUID().uuidString
    let base = try await HTTPTestPeer.httpBase()
    let folder = try await project(tag: tag, target: base + "/ok")
    let port = unusedLoopbackPort()
    let data = NSTemporaryDirectory() + "vigil-redis-outage-\(UUID().uuidString)"
    let first = try await RedisTestPeer.privateServer(port: port, folder: data)
    let password = first.values["password"] ?? ""
    let env = [
      "HOOK_SECRET": WebhookTestPeer.secret, "VIGIL_STATE": "redis://vigil:\(password)@127.0.0.1:\(port)/0",
    ]
    let healthy = try await vigil(["invoke", "web"], in: folder, environment: env)
    #expect(healthy.status == 0, "\(healthy.stderr)")
    await offPool { first.stop() }
    try targets(base + "/status/503").write(
      toFile: folder + "/functions/web/config.yml", atomically: true, encoding: .utf8)
    let outage = try await vigil(["invoke", "web"], in: folder, environment: env)
    #expect(outage.status == 1)
    #expect(outage.stderr.contains("STATE UNAVAILABLE"), "\(outage.stderr)")
    #expect(outage.stderr.contains("ALERT printed here"), "\(outage.stderr)")
    #expect(!outage.stderr.contains(password))
    #expect(outage.stdout.contains("\"up\" : false"), "the check's result is returned: \(outage.stdout)")
    #expect(try await deliveries(tag) == [])
    let restarted = try await RedisTestPeer.privateServer(port: port, folder: data)
    for _ in 1...2 {
      let run = try await vigil(["invoke", "web"], in: folder, environment: env)
      #expect(run.status == 0, "\(run.stderr)")
    }
    #expect(try await deliveries(tag) == ["firing"])
    await offPool { restarted.stop() }
  }
}

/// Choosing the store: `custom.vigil.state` with `${env:…}`, `--state`, `VIGIL_STATE`; `vigil validate` checks a
/// URL's shape; `vigil state check` runs the round trip and names what failed; `vigil state copy` moves a
/// folder's state into the shared store. A password is never shown.
@Suite struct StateSelectionCLITests {
  @Test func stateCheckPassesOnRedisAndNamesAWrongPasswordWithoutShowingIt() async throws {
    let server = try await RedisTestPeer.server()
    let good =
      "redis://\(server.user):\(server.password)@127.0.0.1:\(server.port)/0?prefix=check-\(UUID().uuidString):"
    let run = try await vigil(["state", "check", "--state", good], in: NSTemporaryDirectory())
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    #expect(run.lines.last == "state store OK", "\(run.stdout)")
    #expect(run.lines.filter { $0.hasPrefix("ok ") }.count == 10, "\(run.stdout)")
    #expect(!run.stdout.contains(server.password))
    let wrong = "redis://\(server.user):not-the-password-77@127.0.0.1:\(server.port)/0"
    let refused = try await vigil(["state", "check", "--state", wrong], in: NSTemporaryDirectory())
    #expect(refused.status == 1)
    #expect(refused.stdout.contains("FAILED  create-only write:"), "\(refused.stdout)")
    #expect(refused.stdout.contains("WRONGPASS"), "\(refused.stdout)")
    #expect(refused.stdout.contains("check the user and the password"), "\(refused.stdout)")
    #expect(!(refused.stdout + refused.stderr).contains("not-the-password-77"))
    let closed = try await vigil(
      ["state", "check", "--state", "redis://127.0.0.1:\(unusedLoopbackPort())"], in: NSTemporaryDirectory())
    #expect(closed.status == 1)
    #expect(
      closed.stdout.contains("unavailable") && closed.stdout.contains("Connection refused"),
      "\(closed.stdout)")
  }

  /// The COS stand-in ignores If-None-Match and If-Match on PUT, as COS documents it: the plain S3 store fails
  /// the check at its second create-only write and is told about writes=create-only; with it, the check passes.
  @Test func stateCheckOnCOSFailsWithoutCreateOnlyWritesAndPassesWithThem() async throws {
    let credentials = try await S3TestPeer.credentials(.cos)
    let plain = try await vigil(
      ["state", "check", "--state", try await S3TestPeer.url(.cos, query: "&writes=conditional")],
      in: NSTemporaryDirectory(), environment: credentials)
    #expect(plain.status == 1)
    #expect(
      plain.stdout.contains(
        "FAILED  create-only write refused when the record exists: a second create-only write replaced the record"
      ),
      "\(plain.stdout)")
    #expect(plain.stdout.contains("needs writes=create-only in the URL"), "\(plain.stdout)")
    let versioned = try await vigil(
      ["state", "check", "--state", try await S3TestPeer.url(.cos, query: "&writes=create-only")],
      in: NSTemporaryDirectory(), environment: credentials)
    #expect(versioned.status == 0, "\(versioned.stdout)\(versioned.stderr)")
    #expect(versioned.stdout.contains("(create-only writes)"), "\(versioned.stdout)")
    #expect(versioned.lines.filter { $0.hasPrefix("ok ") }.count == 10, "\(versioned.stdout)")
    #expect(!(plain.stdout + versioned.stdout).contains(credentials["AWS_SECRET_ACCESS_KEY"] ?? "?"))
  }

  @Test func theConfiguredURLIsSubstitutedValidatedAndLocated() async throws {
    let folder = try makeProject(
      """
      custom:
        vigil:
          state: 'redis://vigil:${env:REDIS_PASSWORD}@127.0.0.1:notaport/0'
      functions:
        web:
          handler: echo
      """)
    // (The test helper gives every run a fresh VIGIL_STATE_DIR, which would win over serverless.yml: cleared.)
    let run = try await vigil(
      ["validate"], in: folder, environment: ["REDIS_PASSWORD": "pw-secret-4411", "VIGIL_STATE_DIR": ""])
    #expect(run.status == 2)
    #expect(run.stderr.contains("serverless.yml:3:12: custom.vigil.state: state URL"), "\(run.stderr)")
    #expect(run.stderr.contains("port 'notaport' is not 1-65535"), "\(run.stderr)")
    #expect(!run.stderr.contains("pw-secret-4411"))
    // Object storage without credentials in the environment: the variables are named, at the place.
    let s3 = try makeProject(
      "custom:\n  vigil:\n    state: s3://bucket/vigil\nfunctions:\n  web:\n    handler: echo\n")
    let refused = try await vigil(
      ["invoke", "web"], in: s3,
      environment: ["VIGIL_STATE_DIR": "", "AWS_ACCESS_KEY_ID": "", "TENCENTCLOUD_SECRETID": ""])
    #expect(refused.status == 2)
    #expect(
      refused.stderr.contains(
        "error: serverless.yml:3:12: custom.vigil.state: the s3 state store needs credentials in the environment: AWS_ACCESS_KEY_ID"
      ), "\(refused.stderr)")
    // Tencent COS by its own scheme: told how to write it, at the place.
    let cos = try makeProject(
      "custom:\n  vigil:\n    state: cos://bucket-125/vigil\nfunctions:\n  web:\n    handler: echo\n")
    let told = try await vigil(["validate"], in: cos, environment: ["VIGIL_STATE_DIR": ""])
    #expect(told.status == 2)
    #expect(
      told.stderr.contains(
        "serverless.yml:3:12: custom.vigil.state: write Tencent COS as s3://bucket/prefix?region=ap-guangzhou&endpoint="
      ), "\(told.stderr)")
    // Both forms at once is a located error too.
    let both = try makeProject(
      "custom:\n  vigil:\n    stateDir: x\n    state: y\nfunctions:\n  web:\n    handler: echo\n")
    let twice = try await vigil(["validate"], in: both, environment: ["VIGIL_STATE_DIR": ""])
    #expect(twice.status == 2)
    #expect(
      twice.stderr.contains("serverless.yml:4:12: give 'state' or 'stateDir', not both"), "\(twice.stderr)")
  }

  @Test func aFoldersStateIsCopiedIntoTheSharedStoreAndUsedFromThere() async throws {
    let server = try await RedisTestPeer.server()
    let store =
      "redis://\(server.user):\(server.password)@127.0.0.1:\(server.port)/0?prefix=copy-\(UUID().uuidString):"
    let tag = UUID().uuidString
    let folder = try await webhookProject(
      hooks: [("hook", "/hook/ok/\(tag)")], alerting: "channels: [hook]", timeout: 30,
      files: [
        "functions/web/config.yml":
          "targets:\n  - {name: api, url: 'http://127.0.0.1:\(unusedLoopbackPort())/', timeout: 5s}\n"
      ])
    let env = ["HOOK_SECRET": WebhookTestPeer.secret]
    let local = folder + "/state"
    let first = try await vigil(["invoke", "web", "--state", local], in: folder, environment: env)
    #expect(first.status == 0, "\(first.stderr)")
    let copy = try await vigil(["state", "copy", local, store], in: folder)
    #expect(copy.status == 0, "\(copy.stderr)")
    #expect(copy.stdout.hasPrefix("copied "), "\(copy.stdout)")
    #expect(!copy.stdout.contains(server.password))
    // Copying again keeps what the store has.
    let again = try await vigil(["state", "copy", local, store], in: folder)
    #expect(again.stdout.hasPrefix("copied 0 records"), "\(again.stdout)")
    #expect(again.stdout.contains("kept"), "\(again.stdout)")
    // The open incident came along: a run on the store sends nothing new.
    let shared = try await vigil(
      ["invoke", "web"], in: folder, environment: env.merging(["VIGIL_STATE": store]) { _, new in new })
    #expect(shared.status == 0, "\(shared.stderr)")
    #expect(try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)").count == 1)
  }
}

/// `vigil schedule` replicas for high availability: three processes on one Redis store, a trigger every second,
/// one replica killed with SIGKILL half-way.
@Suite struct ScheduleReplicasCLITests {
  @Test func threeReplicasRunEachFiringOnceAndOneDyingLeavesNoGap() async throws {
    let server = try await RedisTestPeer.server()
    let store =
      "redis://\(server.user):\(server.password)@127.0.0.1:\(server.port)/0?prefix=replicas-\(UUID().uuidString):"
    let tag = UUID().uuidString
    let probe = try await WebhookTestPeer.base() + "/hook/ok/\(tag)/probe"
    let folder = try makeProject(
      """
      functions:
        web:
          handler: website-status
          timeout: 5
          events:
            - timer:
                name: every-second
                parameters:
                  cronExpression: '*/1 * * * * * *'
      """,
      files: [
        "functions/web/config.yml":
          "targets:\n  - {name: capture, url: '\(probe)', method: POST, body: 'tick'}\n"
      ])
    let env = ["VIGIL_STATE": store, "VIGIL_LOG_LEVEL": "info"]
    let replicas = try (0..<3).map { _ in
      try ScheduleProcess(
        arguments: ["schedule", "--only", "web", "--for", "75", "--grace", "5"], in: folder, environment: env)
    }
    // Half-way (35 runs logged in all), the replica that ran the most so far is killed.
    let deadline = Date().addingTimeInterval(120)
    func started() -> Int {
      replicas.map { $0.messages.filter { $0 == "invocation started" }.count }.reduce(0, +)
    }
    while started() < 35, Date() < deadline { try await Task.sleep(nanoseconds: 100_000_000) }
    #expect(started() >= 35, "the replicas ran \(started()) firings in two minutes")
    let runs = replicas.map { $0.messages.filter { $0 == "invocation started" }.count }
    let victim = runs.firstIndex(of: runs.max() ?? 0) ?? 0
    kill(replicas[victim].process.processIdentifier, SIGKILL)
    var statuses: [Int32] = []
    for replica in replicas { statuses.append(await replica.finish(timeout: 120)) }
    #expect(statuses[victim] == SIGKILL)
    #expect(statuses.enumerated().allSatisfy { $0.offset == victim || $0.element == 0 }, "\(statuses)")
    // Every scheduled instant ran exactly once, on one replica or another.
    let instants = replicas.flatMap { replica in
      replica.records.filter { $0["msg"] as? String == "invocation started" }.compactMap {
        ($0["scheduled"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) }
      }
    }.map { Int($0.timeIntervalSince1970) }
    #expect(Set(instants).count == instants.count, "some firings ran twice: \(instants.sorted())")
    #expect(instants.count >= 60, "only \(instants.count) firings")
    // None was missed for longer than one period: the instants are every second from the first to the last,
    // except at most the one the killed replica had claimed when it died, and any the machine itself was too
    // busy to fire on time (a replica logs those as missed, and runs the latest of them once).
    let late = Set(
      replicas.flatMap { replica in
        replica.records.filter { ($0["msg"] as? String ?? "").hasPrefix("missed firings") }.compactMap {
          ($0["scheduled"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) }
        }
      }.map { Int($0.timeIntervalSince1970) })
    let sorted = instants.sorted()
    let gaps = zip(sorted, sorted.dropFirst()).filter { $1 - $0 > 1 && !late.contains($1) }
    #expect(gaps.count <= 1 && gaps.allSatisfy { $1 - $0 == 2 }, "firings missed after: \(gaps.map(\.0))")
    // The killed replica had been running firings, and the others took them over.
    #expect(runs[victim] > 0)
    let after = replicas.enumerated().filter { $0.offset != victim }.map {
      $0.element.messages.filter { $0 == "invocation started" }.count
    }
    #expect(after.reduce(0, +) > runs.enumerated().filter { $0.offset != victim }.map(\.element).reduce(0, +))
    // Counted at the capture server: one request per run (the killed replica's run in flight may not have
    // reached it).
    let received = try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)/probe").count
    #expect(
      received == instants.count || received == instants.count - 1,
      "\(received) requests for \(instants.count) runs")
  }
}

/// Two warm Lambda instances (two `vigil runtime` processes, each under its own AWS Runtime Interface Emulator
/// and with its own empty state folder) sharing one Redis store, invoked alternately.
@Suite struct SharedStateLambdaTests {
  @Test func twoInstancesInvokedAlternatelyAlertOnceAtTheThirdFailureAndResolveOnce() async throws {
    let server = try await RedisTestPeer.server()
    let store =
      "redis://\(server.user):\(server.password)@127.0.0.1:\(server.port)/0?prefix=lambda-\(UUID().uuidString):"
    let tag = UUID().uuidString
    let folder = try await webhookProject(
      hooks: [("hook", "/hook/ok/\(tag)")], alerting: "channels: [hook]\ntrigger: {consecutive: 3}",
      timeout: 20,
      files: [:])
    let base = try await HTTPTestPeer.httpBase()
    func targets(_ path: String) -> [String: Any] { ["targets": [["name": "api", "url": base + path]]] }
    let spec: [String: Any] = [
      "bootstrap": [RepositoryPaths.products + "/vigil", "runtime"],
      "env": [
        "AWS_LAMBDA_FUNCTION_NAME": "web", "AWS_LAMBDA_FUNCTION_TIMEOUT": "20",
        "VIGIL_CONFIG": folder + "/serverless.yml", "VIGIL_STATE": store,
        "HOOK_SECRET": WebhookTestPeer.secret,
      ],
      "instances": [
        ["VIGIL_STATE_DIR": folder + "/instance-a"], ["VIGIL_STATE_DIR": folder + "/instance-b"],
      ],
      "payloads": Array(repeating: targets("/status/503"), count: 4)
        + Array(repeating: targets("/ok"), count: 2),
      "after_each": try await WebhookTestPeer.base() + "/requests", "cwd": folder,
    ]
    let specText = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
    let output = try await runToEnd([
      "python3", RepositoryPaths.root + "/Tests/Support/tools/rie_invoke.py", specText,
    ])
    let json = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
    let answers = json["answers"] as? [[String: Any]] ?? []
    #expect(answers.count == 6)
    #expect(answers.map { $0["instance"] as? Int } == [0, 1, 0, 1, 0, 1])
    #expect(answers.allSatisfy { $0["status"] as? Int == 200 }, "\(answers)")
    // The notices received after each invocation: firing at the third, resolved at the fifth, nothing else.
    let seen = answers.map { answer -> [String] in
      let all =
        (try? JSONSerialization.jsonObject(with: Data((answer["after"] as? String ?? "").utf8)))
        as? [[String: Any]] ?? []
      return all.filter { ($0["path"] as? String ?? "").hasPrefix("/hook/ok/\(tag)") }.map { request in
        let body = Data((request["body"] as? String ?? "").utf8)
        return (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["status"] as? String ?? "?"
      }
    }
    #expect(
      seen == [[], [], ["firing"], ["firing"], ["firing", "resolved"], ["firing", "resolved"]],
      "\(seen)\n\(json["log"] ?? "")")
  }
}
