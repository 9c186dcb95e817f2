import Foundation
import TestSupport
import Testing

/// When alert state cannot be read or recorded the invocation says so in one line, prints the alert on the
/// console, exits non-zero, and recovers once the cause is gone with every incident notified once.
@Suite(.serialized) struct AlertStateFailureCLITests {
  let downURL = "http://127.0.0.1:\(unusedLoopbackPort())/"

  func project(tag: String, targets: [String]) async throws -> String {
    let list = targets.map { "  - {name: '\($0)', url: '\(downURL)', timeout: 2s}\n" }.joined()
    return try await webhookProject(
      hooks: [("hook", "/hook/ok/\(tag)")], alerting: "channels: [hook]",
      files: ["functions/web/config.yml": "targets:\n" + list])
  }

  func firing(_ tag: String) async throws -> [[String]] { try await firingTargets(prefix: "/hook/ok/\(tag)") }

  @Test func aCorruptLedgerIsMovedAsideNamedAndStartsFresh() async throws {
    let tag = UUID().uuidString
    let folder = try await project(tag: tag, targets: ["api", "shop"])
    let state = folder + "/state"
    let env = ["HOOK_SECRET": WebhookTestPeer.secret, "VIGIL_STATE_DIR": state]
    let first = try await vigil(
      ["invoke", "web", "--now", "2026-03-02T00:00:00Z"], in: folder, environment: env)
    #expect(first.status == 0, "\(first.stderr)")
    try Data("{\"keys\": {\"web/http/api\": {\"samp".utf8).write(
      to: URL(fileURLWithPath: state + "/alerts/web.json"))

    let listing = try await vigil(["alerts"], in: folder, environment: env)
    #expect(listing.status == 1)
    #expect(listing.stderr.contains(state + "/alerts/web.json"), "\(listing.stderr)")

    let second = try await vigil(
      ["invoke", "web", "--now", "2026-03-02T00:01:00Z"], in: folder, environment: env)
    #expect(second.status == 1, "a lost state must not look like success")
    let message = try #require(second.stderr.split(separator: "\n").last.map(String.init))
    #expect(
      message.hasPrefix("vigil: ALERT STATE CORRUPT: state record \(state)/alerts/web.json is corrupt"),
      "\(message)")
    #expect(message.contains("moved to \(state)/corrupt/alerts/web.json-"))
    #expect(!second.stderr.contains("DecodingError"))
    #expect(!second.stderr.contains("\"samp"), "the record's content is never quoted")
    let aside = try FileManager.default.contentsOfDirectory(atPath: state + "/corrupt/alerts")
    #expect(aside.count == 1 && aside.first?.hasPrefix("web.json-") == true, "\(aside)")
    // The result still reaches stdout.
    #expect(second.stdout.contains("\"down\" : 2"), "\(second.stdout)")
    // Starting fresh, both open incidents alert again (once); then the function is healthy in its state again.
    let third = try await vigil(
      ["invoke", "web", "--now", "2026-03-02T00:02:00Z"], in: folder, environment: env)
    #expect(third.status == 0, "\(third.stderr)")
    #expect(try await firing(tag) == [["api", "shop"], ["api", "shop"]])
    let after = try await vigil(["alerts"], in: folder, environment: env)
    #expect(after.status == 0)
    #expect(after.stdout.contains("open incidents: 2"), "\(after.stdout)")
  }

  @Test func oneCorruptKeyStartsFreshAndTheOthersGoOn() async throws {
    let tag = UUID().uuidString
    let folder = try await project(tag: tag, targets: ["api", "shop"])
    let state = folder + "/state"
    let env = ["HOOK_SECRET": WebhookTestPeer.secret, "VIGIL_STATE_DIR": state]
    let first = try await vigil(
      ["invoke", "web", "--now", "2026-03-02T00:00:00Z"], in: folder, environment: env)
    #expect(first.status == 0, "\(first.stderr)")
    let ledgerPath = state + "/alerts/web.json"
    var ledger = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ledgerPath)))
        as? [String: Any])
    var keys = try #require(ledger["keys"] as? [String: Any])
    #expect(keys.keys.sorted() == ["web/http/api", "web/http/shop"])
    keys["web/http/api"] = ["samples": "not a list"]
    ledger["keys"] = keys
    try JSONSerialization.data(withJSONObject: ledger).write(to: URL(fileURLWithPath: ledgerPath))

    let second = try await vigil(
      ["invoke", "web", "--now", "2026-03-02T00:01:00Z"], in: folder, environment: env)
    #expect(second.status == 1)
    #expect(
      second.stderr.contains(
        "ALERT STATE CORRUPT: the state of 'web/http/api' in \(ledgerPath) cannot be decoded"),
      "\(second.stderr)")
    // api starts fresh and alerts again; shop's open incident is untouched and not repeated.
    #expect(try await firing(tag) == [["api", "shop"], ["api"]])
    let third = try await vigil(
      ["invoke", "web", "--now", "2026-03-02T00:02:00Z"], in: folder, environment: env)
    #expect(third.status == 0, "\(third.stderr)")
    #expect(try await firing(tag).count == 2)
  }

  @Test func namesThatDifferOnlyInPunctuationKeepTheirOwnIncidents() async throws {
    let tag = UUID().uuidString
    let up = try await HTTPTestPeer.httpBase() + "/ok"
    let folder = try await webhookProject(
      hooks: [("hook", "/hook/ok/\(tag)")], alerting: "channels: [hook]",
      files: [
        "functions/web/config.yml":
          "targets:\n  - {name: 'shop api', url: '\(downURL)', timeout: 2s}\n  - {name: shop_api, url: '\(up)'}\n"
      ])
    let env = ["HOOK_SECRET": WebhookTestPeer.secret, "VIGIL_STATE_DIR": folder + "/state"]
    for minute in 0..<3 {
      let run = try await vigil(
        ["invoke", "web", "--now", "2026-03-02T00:0\(minute):00Z"], in: folder, environment: env)
      #expect(run.status == 0, "\(run.stderr)")
    }
    let statuses = try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)").map { request in
      (try? JSONSerialization.jsonObject(with: Data((request["body"] as? String ?? "").utf8))
        as? [String: Any])?[
          "status"] as? String
    }
    // One firing for 'shop api', never resolved by its healthy neighbour.
    #expect(statuses == ["firing"])
    #expect(try await firing(tag) == [["shop api"]])
  }
}

/// A state folder that fills up or turns read-only, for real: a small tmpfs in a private mount namespace
/// (`unshare -rm`, so nothing is mounted on the machine itself).
@Suite(.serialized) struct StateFolderOutageCLITests {
  let downURL = "http://127.0.0.1:\(unusedLoopbackPort())/"

  enum Outage: String, CaseIterable, Sendable {
    case fullDisk, readOnly

    /// Shell lines that break the folder `$STATE`, and the ones that mend it.
    var breakIt: String {
      switch self {
      case .fullDisk: return "head -c 8M /dev/zero > \"$STATE/filler\" 2>/dev/null || true"
      case .readOnly: return "mount -o remount,ro \"$STATE\""
      }
    }
    var mendIt: String {
      switch self {
      case .fullDisk: return "rm -f \"$STATE/filler\""
      case .readOnly: return "mount -o remount,rw \"$STATE\""
      }
    }
    var cause: String {
      switch self {
      case .fullDisk: return "No space left on device"
      case .readOnly: return "Read-only file system"
      }
    }
  }

  struct Step {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs, in one private mount namespace over a 1 MiB tmpfs at `state`: a healthy run, the outage, a run with
  /// every target down, the mend, and two more runs.
  func runThrough(_ outage: Outage, folder: String, state: String, environment: [String: String]) async throws
    -> [Step]
  {
    let output = folder + "/out"
    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: output + "/script.err", contents: nil)
    let script = """
      set -eu
      mount -t tmpfs -o size=1m,mode=0700 tmpfs "$STATE"
      run() { cp "$1" functions/web/config.yml; "$VIGIL" invoke web --now "$2" >"$OUT/$3.out" 2>"$OUT/$3.err" || echo $? >"$OUT/$3.status"; }
      run up.yml 2026-03-02T00:00:00Z 0
      \(outage.breakIt)
      run down.yml 2026-03-02T00:01:00Z 1
      \(outage.mendIt)
      run down.yml 2026-03-02T00:02:00Z 2
      run down.yml 2026-03-02T00:03:00Z 3
      """
    var env = environment
    env["STATE"] = state
    env["OUT"] = output
    env["VIGIL"] = RepositoryPaths.products + "/vigil"
    env["VIGIL_STATE_DIR"] = state
    let finalEnvironment = env
    let status = try await offPool { () throws -> Int32 in
      let process = TestProcess()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
      process.arguments = ["-rm", "/bin/bash", "-c", script]
      process.currentDirectoryURL = URL(fileURLWithPath: folder)
      process.environment = finalEnvironment
      process.standardError = FileHandle(forWritingAtPath: output + "/script.err")
      try process.run()
      return process.waitForExit(killAfter: 120)
    }
    let trace = (try? String(contentsOfFile: output + "/script.err", encoding: .utf8)) ?? ""
    try #require(status == 0, "the namespace script failed (is unshare -rm allowed here?): \(trace)")
    return try (0...3).map { index in
      let read = { (suffix: String) in
        (try? String(contentsOfFile: "\(output)/\(index).\(suffix)", encoding: .utf8)) ?? ""
      }
      let code = read("status").trimmingCharacters(in: .whitespacesAndNewlines)
      return Step(
        status: code.isEmpty ? 0 : try #require(Int32(code)), stdout: read("out"), stderr: read("err"))
    }
  }

  @Test(arguments: Outage.allCases)
  func anOutageIsLoudAndEveryIncidentIsNotifiedOnceAfterIt(_ outage: Outage) async throws {
    let tag = UUID().uuidString
    let up = try await HTTPTestPeer.httpBase() + "/ok"
    let names = (0..<12).map { "site-\($0)" }
    let folder = try await webhookProject(
      hooks: [("hook", "/hook/ok/\(tag)")], alerting: "channels: [hook]",
      files: [
        "functions/web/config.yml": "targets: []\n",
        "up.yml": "targets:\n" + names.map { "  - {name: \($0), url: '\(up)'}\n" }.joined(),
        "down.yml": "targets:\n"
          + names.map { "  - {name: \($0), url: '\(downURL)', timeout: 2s}\n" }.joined(),
      ])
    let state = folder + "/state"
    let steps = try await runThrough(
      outage, folder: folder, state: state, environment: ["HOOK_SECRET": WebhookTestPeer.secret])
    #expect(steps[0].status == 0, "\(steps[0].stderr)")
    // During the outage: exit 1, the alert on the console, one line naming the state file and the cause.
    let broken = steps[1]
    #expect(broken.status == 1, "\(outage): \(broken.stderr)")
    #expect(broken.stderr.contains("ALERT printed here because it may not reach its channels"))
    for name in names { #expect(broken.stderr.contains("\(name) is down"), "\(name)") }
    let last = broken.stderr.split(separator: "\n").last.map(String.init) ?? ""
    #expect(last.hasPrefix("vigil: ALERT STATE NOT RECORDED: "), "\(last)")
    #expect(last.contains(state), "\(last)")
    #expect(last.hasSuffix(outage.cause), "\(last)")
    #expect(broken.stdout.contains("\"down\" : 12"), "the result still reaches stdout")
    #expect(!broken.stderr.contains("keeps what was written"))
    // Mended: the next run notifies every incident, once; the one after sends nothing more.
    #expect(steps[2].status == 0, "\(steps[2].stderr)")
    #expect(steps[3].status == 0, "\(steps[3].stderr)")
    #expect(try await firingTargets(prefix: "/hook/ok/\(tag)") == [names.sorted()])
  }
}
