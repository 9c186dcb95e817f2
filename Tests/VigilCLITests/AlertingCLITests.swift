import Foundation
import TestSupport
import Testing

/// Alert delivery through real processes: crashes and overlapping invocations never lose or double an alert.
@Suite(.serialized) struct AlertingCLITests {
  func project(hookPath: String) async throws -> String {
    let base = try await WebhookTestPeer.base()
    return try makeProject(
      """
      custom:
        vigil:
          channels:
            ops-hook:
              type: webhook
              url: \(base)\(hookPath)
              secret: ${env:HOOK_SECRET}
          alerting:
            channels: [ops-hook]
      functions:
        web:
          handler: website-status
          timeout: 60
      """,
      files: [
        "functions/web/config.yml":
          "targets:\n  - name: api\n    url: http://127.0.0.1:\(unusedLoopbackPort())/\n"
      ])
  }

  /// Four runs see the target down; three of them read the function's alert ledger before the first commits
  /// its firing notice and try to commit after it: their compare-and-set loses, they judge again on what the
  /// first stored, and nothing is sent twice.
  @Test func concurrentInvocationsOnOneStateFolderNotifyOnce() async throws {
    let tag = UUID().uuidString
    let folder = try await project(hookPath: "/hook/ok/\(tag)")
    let state = folder + "/state"
    let env = ["HOOK_SECRET": WebhookTestPeer.secret, "VIGIL_STATE_DIR": state]
    // The first run stops just before its commit lands (the ledger's rename, inside the ledger's stripe lock).
    let first = try CrashPoint.Gate()
    let holding = Task {
      try await vigil(
        ["invoke", "web"], in: folder,
        environment: env.merging(try await CrashPoint.environment(log: folder + "/log-0")) { _, new in new }
          .merging(first.environment(hold: "rename \(state)/alerts/web.json", wait: true)) { _, new in new })
    }
    #expect(await first.waitUntilReached(), "the first run never reached its commit")
    // The stripe lock it took for that commit: the last one before the rename it is held at (the ledger's
    // spare is locked after it; the other runs would wait at the stripe before reaching that one).
    let boundaries = CrashPoint.boundaries(in: folder + "/log-0")
    let lock = try #require(
      boundaries.last { $0.hasPrefix("flock ") && $0.contains("/.locks/") }, "\(boundaries)")
    // Three more runs probe the same failing target, read the ledger, and stop where they would take that lock
    // to commit: they all read it before the first run's commit.
    var others: [Task<VigilRun, any Error>] = []
    var gates: [CrashPoint.Gate] = []
    for index in 1...3 {
      let gate = try CrashPoint.Gate()
      gates.append(gate)
      let preload = try await CrashPoint.environment(log: folder + "/log-\(index)")
      others.append(
        Task {
          try await vigil(
            ["invoke", "web"], in: folder,
            environment: env.merging(preload) { _, new in new }
              .merging(gate.environment(hold: lock, wait: true)) { _, new in new })
        })
      #expect(await gate.waitUntilReached(), "run \(index) never reached the commit")
    }
    first.releaseHeld()
    var runs = [try await holding.value]
    for gate in gates { gate.releaseHeld() }
    for other in others { runs.append(try await other.value) }
    #expect(runs.allSatisfy { $0.status == 0 }, "\(runs.map(\.stderr))")
    let received = try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)")
    #expect(received.count == 1)
  }

  @Test func failedDeliveryIsRetriedByTheNextInvocation() async throws {
    let tag = UUID().uuidString
    let folder = try await project(hookPath: "/hook/fail-once/\(tag)")
    let env = ["HOOK_SECRET": WebhookTestPeer.secret, "VIGIL_STATE_DIR": folder + "/state"]
    let first = try await vigil(["invoke", "web"], in: folder, environment: env)
    // Not delivered yet: the invocation fails loudly (the retry is the outbox's job, the alert is on stderr).
    #expect(first.status == 1, "\(first.stderr)")
    #expect(first.stderr.contains("ALERT NOT DELIVERED on channel 'ops-hook'"))
    #expect(
      first.logRecords.contains {
        $0["msg"] as? String == "alert delivery failed; kept in the outbox for a retry"
      })
    // Due 30 s later: run as if the clock read a minute ahead.
    let later = ISO8601DateFormatter().string(from: Date().addingTimeInterval(60))
    let second = try await vigil(["invoke", "web", "--now", later], in: folder, environment: env)
    #expect(second.logRecords.contains { $0["msg"] as? String == "alert delivered" })
    #expect(
      try await WebhookTestPeer.requests(prefix: "/hook/fail-once/\(tag)").map { $0["status"] as? Int } == [
        503, 200,
      ])
  }

  @Test func alertingConfigurationErrorsAreLocated() async throws {
    let folder = try makeProject(
      """
      custom:
        vigil:
          channels:
            mail: {type: carrier-pigeon}
            hook: {type: webhook, url: 'ftp://x'}
          alerting:
            channels: [pager]
      functions:
        web:
          handler: echo
      """)
    let run = try await vigil(["validate"], in: folder)
    #expect(run.status == 2)
    #expect(
      run.stderr.contains("serverless.yml:4:20: unknown channel type 'carrier-pigeon'"),
      "\(run.stderr)")
  }
}

@Suite struct ChannelAndAlertsCLITests {
  @Test func channelTestSaysExactlyWhatHappened() async throws {
    let robots = try await RobotVendorPeer.base()
    let folder = try makeProject(
      """
      custom:
        vigil:
          channels:
            good: {type: wecom, url: '\(robots)/cgi-bin/webhook/send?key=good'}
            revoked: {type: wecom, url: '\(robots)/cgi-bin/webhook/send?key=bad'}
      functions:
        web:
          handler: echo
      """)
    let good = try await vigil(["channel", "test", "good"], in: folder)
    #expect(good.status == 0)
    #expect(good.stdout.hasPrefix("good: sent ("))
    let revoked = try await vigil(["channel", "test", "revoked"], in: folder)
    #expect(revoked.status == 1)
    #expect(revoked.stdout.contains("revoked: NOT sent, permanent (fix the channel's configuration)"))
    #expect(revoked.stdout.contains("errcode 93000"))
    #expect(revoked.stdout.contains("key=***"))
    let missing = try await vigil(["channel", "test", "nope"], in: folder)
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("no channel named 'nope'"))
    let list = try await vigil(["channel", "list"], in: folder)
    #expect(list.lines.map { String($0.split(separator: " ")[0]) } == ["console", "good", "revoked"])
  }

  /// The ServerChan SendKey is the whole credential and sits in the URL's path: it is never shown by
  /// `vigil channel test`, in the outbox's files, by `vigil alerts` or in the log.
  @Test func theServerChanSendKeyIsNeverShown() async throws {
    let robots = try await RobotVendorPeer.base()
    let key = "SCTrevoked7f3a9c41d2"
    let folder = try makeProject(
      """
      custom:
        vigil:
          channels:
            sc: {type: serverchan, url: '${env:SERVERCHAN_URL}'}
          alerting:
            channels: [sc]
      functions:
        web:
          handler: website-status
      """,
      files: [
        "functions/web/config.yml":
          "targets:\n  - {name: shop, url: 'http://127.0.0.1:\(unusedLoopbackPort())/', timeout: 2s}\n"
      ])
    let environment = ["SERVERCHAN_URL": "\(robots)/\(key).send"]
    let test = try await vigil(["channel", "test", "sc"], in: folder, environment: environment)
    #expect(test.status == 1, "\(test.stdout)")
    #expect(test.stdout.contains("code 40001") && test.stdout.contains("/***.send"), "\(test.stdout)")
    let state = folder + "/state"
    let run = try await vigil(
      ["invoke", "web", "--state-dir", state], in: folder, environment: environment)
    #expect(run.status == 1, "the delivery is only retrying: \(run.stderr)")
    let alerts = try await vigil(["alerts", "--state-dir", state], in: folder, environment: environment)
    var everything = test.stdout + test.stderr + run.stdout + run.stderr + alerts.stdout + alerts.stderr
    let files = FileManager.default.enumerator(atPath: state)?.allObjects as? [String] ?? []
    let outbox = files.filter { $0.hasPrefix("outbox/") && $0.hasSuffix(".json") }
    #expect(!outbox.isEmpty, "\(files)")
    for file in files {
      everything += (try? String(contentsOfFile: state + "/" + file, encoding: .utf8)) ?? ""
    }
    #expect(everything.contains("code 40001"), "the failure is recorded")
    #expect(!everything.contains(key))
    #expect(!everything.contains("7f3a9c41d2"))
  }

  @Test func alertsShowsIncidentsAndDeliveries() async throws {
    let folder = try makeProject(
      "functions:\n  web:\n    handler: website-status\n",
      files: [
        "functions/web/config.yml":
          "targets:\n  - name: api\n    url: http://127.0.0.1:\(unusedLoopbackPort())/\n"
      ])
    let env = ["VIGIL_STATE_DIR": folder + "/state"]
    #expect(try await vigil(["invoke", "web"], in: folder, environment: env).status == 0)
    let text = try await vigil(["alerts"], in: folder, environment: env)
    #expect(text.status == 0)
    #expect(text.stdout.contains("open incidents: 1"))
    #expect(text.stdout.contains("web/http/api  since "))
    #expect(text.stdout.contains("outbox pending: 0"))
    #expect(text.stdout.contains("recent deliveries: 1"))
    let json = try await vigil(["alerts", "--json"], in: folder, environment: env)
    let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
    #expect((report?["incidents"] as? [Any])?.count == 1)
    #expect(((report?["delivered"] as? [[String: Any]])?.first?["channel"]) as? String == "console")
  }
}
