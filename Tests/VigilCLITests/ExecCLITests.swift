import Foundation
import TestSupport
import Testing

/// The `exec` handler against Debian's real monitoring-plugins (`monitoring-plugins-basic`, installed by
/// scripts/bootstrap --test-peers) and against the shipped seed-style Python function, through `vigil invoke`.
@Suite struct ExecCLITests {
  /// A project whose `checks` function runs `config` (the exec configuration).
  func project(_ config: String, files: [String: String] = [:]) throws -> String {
    try makeProject(
      "functions:\n  checks:\n    handler: exec\n    timeout: 60\n",
      files: files.merging(["functions/checks/config.yml": config]) { _, new in new })
  }

  /// The result's targets by name.
  func targets(_ run: VigilRun) throws -> [String: [String: Any]] {
    let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let list = result["targets"] as? [[String: Any]] ?? []
    return Dictionary(list.map { ($0["name"] as? String ?? "", $0) }) { first, _ in first }
  }

  func figure(_ target: [String: Any]?, _ label: String) -> [String: Any]? {
    (target?["figures"] as? [[String: Any]])?.first { $0["label"] as? String == label }
  }

  @Test func pluginStatesAndPerfdataFromTheRealPlugins() async throws {
    let listener = try SilentListener()
    let closed = unusedLoopbackPort()
    let folder = try project(
      """
      timeout: 10s
      targets:
        - {name: tcp-up, command: [check_tcp, -H, 127.0.0.1, -p, '\(listener.port)']}
        - {name: tcp-closed, command: [check_tcp, -H, 127.0.0.1, -p, '\(closed)']}
        - {name: disk-ok, command: [check_disk, -w, '1%', -c, '1%', -p, /]}
        - {name: disk-full, command: [check_disk, -w, '100%', -c, '100%', -p, /]}
        - {name: dummy-0, command: [check_dummy, '0', 'all good']}
        - {name: dummy-1, command: [check_dummy, '1', 'getting there']}
        - {name: dummy-2, command: [check_dummy, '2', 'on fire']}
        - {name: dummy-3, command: [check_dummy, '3', 'who knows']}
        - {name: procs, command: [check_procs, -w, '100000', -c, '200000']}
      """)
    let run = try await vigil(["invoke", "checks"], in: folder)
    #expect(run.status == 0, "\(run.stderr)")
    let seen = try targets(run)
    let states = seen.mapValues { $0["state"] as? String ?? "?" }
    #expect(
      states == [
        "tcp-up": "OK", "tcp-closed": "CRITICAL", "disk-ok": "OK", "disk-full": "CRITICAL", "dummy-0": "OK",
        "dummy-1": "WARNING", "dummy-2": "CRITICAL", "dummy-3": "UNKNOWN", "procs": "OK",
      ], "\(run.stdout)")
    #expect((seen["tcp-closed"]?["summary"] as? String)?.contains("Connection refused") == true)
    #expect(seen["dummy-1"]?["summary"] as? String == "dummy-1 WARNING: WARNING: getting there")
    // check_tcp's time=…s;…;…;0;… and check_disk's bytes of / with its size as max, check_procs' count.
    let time = try #require(figure(seen["tcp-up"], "time"), "\(String(describing: seen["tcp-up"]))")
    #expect(time["unit"] as? String == "s")
    #expect((time["value"] as? Double).map { $0 >= 0 && $0 < 10 } == true)
    let disk = try #require(figure(seen["disk-ok"], "/"), "\(String(describing: seen["disk-ok"]))")
    let used = try #require(disk["value"] as? Double)
    let size = try #require(disk["max"] as? Double)
    #expect(disk["unit"] as? String == "B" && used > 0 && size > used)
    let procs = try #require(figure(seen["procs"], "procs"))
    #expect((procs["value"] as? Double).map { $0 >= 1 } == true)
    #expect(procs["warn"] as? String == "100000" && procs["crit"] as? String == "200000")
    // WARNING alerts as warning, CRITICAL and UNKNOWN as critical, with the facts.
    let alert = try #require(run.logRecords.compactMap { $0["alert"] as? String }.first, "\(run.stderr)")
    #expect(alert.contains("FIRING [warning] dummy-1 WARNING: WARNING: getting there"), "\(alert)")
    #expect(alert.contains("FIRING [critical] dummy-2 CRITICAL: CRITICAL: on fire"), "\(alert)")
    #expect(alert.contains("FIRING [critical] dummy-3 UNKNOWN: UNKNOWN: who knows"), "\(alert)")
    #expect(!alert.contains("dummy-0") && !alert.contains("tcp-up"), "\(alert)")
  }

  /// A plugin that never ends is killed at its timeout with its children (their pids were written before it),
  /// reported UNKNOWN with the reason; one that prints 10 MB is cut at the bound and still read to its end.
  @Test func aHangingPluginIsKilledWithItsChildrenAndAFloodIsCut() async throws {
    let folder = try project(
      """
      maxOutputBytes: 4096
      targets:
        - name: hang
          command: 'sleep 300 & echo $! > child.pid; sleep 301 & echo $! >> child.pid; echo started; wait'
          shell: true
          timeout: 2s
        - name: flood
          command: 'head -c 10000000 /dev/zero | tr "\\\\0" x; echo; echo "| size=10000000B"'
          shell: true
          timeout: 30s
      """)
    let run = try await vigil(["invoke", "checks"], in: folder)
    #expect(run.status == 0, "\(run.stderr)")
    let seen = try targets(run)
    let hang = try #require(seen["hang"])
    #expect(hang["state"] as? String == "UNKNOWN")
    #expect(
      (hang["summary"] as? String)?.hasPrefix(
        "hang UNKNOWN: timed out after 2 s (its process group was killed)") == true, "\(hang)")
    let pids = try String(contentsOfFile: folder + "/functions/checks/child.pid", encoding: .utf8)
      .split(separator: "\n").compactMap { Int32($0) }
    #expect(pids.count == 2)
    for pid in pids {
      // Gone, or a zombie waiting for its reaper: not running.
      let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
      let state = stat.flatMap { $0.split(separator: ")").last?.split(separator: " ").first }
      #expect(stat == nil || state == "Z", "child \(pid) still runs: \(stat ?? "")")
    }
    let flood = try #require(seen["flood"])
    #expect(flood["outputCut"] as? Bool == true, "\(flood)")
    #expect((flood["summary"] as? String)?.hasSuffix("(output cut at its bound)") == true)
    #expect((flood["summary"] as? String).map { $0.utf8.count < 5000 } == true)
    #expect(flood["exitStatus"] as? Int == 0)
  }

  @Test func aMissingOrNotExecutableCommandIsAConfigurationErrorNamingThePath() async throws {
    let folder = try project(
      """
      targets:
        - {name: nothing, command: [/usr/lib/nagios/plugins/check_nothing_here, -H, x]}
      """, files: ["functions/checks/plain.txt": "not a program\n"])
    let validated = try await vigil(["validate"], in: folder)
    #expect(validated.status == 2)
    #expect(
      validated.stderr.contains(
        "functions/checks/config.yml:2:31: command '/usr/lib/nagios/plugins/check_nothing_here' does not exist"
      ),
      "\(validated.stderr)")
    let invoked = try await vigil(["invoke", "checks"], in: folder)
    #expect(invoked.status == 2, "\(invoked.stderr)")
    try "targets:\n  - {name: t, command: [./plain.txt]}\n".write(
      toFile: folder + "/functions/checks/config.yml", atomically: true, encoding: .utf8)
    let plain = try await vigil(["validate"], in: folder)
    #expect(
      plain.stderr.contains("config.yml:2:25: command 'functions/checks/plain.txt' is not executable"),
      "\(plain.stderr)")
    try "targets:\n  - {name: t, command: [check_not_a_plugin]}\n".write(
      toFile: folder + "/functions/checks/config.yml", atomically: true, encoding: .utf8)
    let unknown = try await vigil(["validate"], in: folder)
    #expect(
      unknown.stderr.contains("command 'check_not_a_plugin' is not on PATH or in /usr/lib/nagios/plugins"),
      "\(unknown.stderr)")
  }

  /// The shipped seed-style function (functions/scf-python-status: urllib, main_handler) through its adapter:
  /// up against a real HTTP server, down against a closed port; a handler that raises reports its exception's
  /// line; a command that prints garbage is named with the byte where it went wrong.
  @Test func theSeedStylePythonFunctionUpDownRaisingAndGarbage() async throws {
    let root = RepositoryPaths.root + "/functions/scf-python-status"
    let adapter = try String(contentsOfFile: root + "/scf_adapter.py", encoding: .utf8)
    let index = try String(contentsOfFile: root + "/index.py", encoding: .utf8)
    let shipped = try String(contentsOfFile: root + "/config.yml", encoding: .utf8)
    let base = try await HTTPTestPeer.httpBase()
    let folder = try project(
      shipped,
      files: [
        "functions/checks/scf_adapter.py": adapter, "functions/checks/index.py": index,
        "functions/checks/raising.py":
          "def main_handler(event, context):\n    raise ValueError('boom: no token')\n",
      ])
    let up = try await vigil(["invoke", "checks"], in: folder, environment: ["STATUS_URL": base + "/ok"])
    #expect(up.status == 0, "\(up.stderr)")
    let upTarget = try #require(try targets(up)["homepage"])
    #expect(upTarget["state"] as? String == "OK", "\(upTarget)")
    #expect((upTarget["summary"] as? String)?.contains("answered 200 in") == true, "\(upTarget)")
    #expect(figure(upTarget, "status")?["value"] as? Double == 200)
    let closed = "http://127.0.0.1:\(unusedLoopbackPort())/"
    let down = try await vigil(["invoke", "checks"], in: folder, environment: ["STATUS_URL": closed])
    let downTarget = try #require(try targets(down)["homepage"])
    #expect(downTarget["state"] as? String == "CRITICAL")
    #expect((downTarget["summary"] as? String)?.contains("Connection refused") == true, "\(downTarget)")
    #expect(
      down.logRecords.compactMap { $0["alert"] as? String }.contains {
        $0.contains("FIRING [critical] homepage")
      })
    try """
    protocol: json
    targets:
      - {name: raising, command: [python3, scf_adapter.py, raising.main_handler]}
      # "tru" then a newline: the newline (byte 10) is where the literal goes wrong.
      - {name: garbage, command: [/bin/sh, -c, 'echo "{\\"up\\": tru"']}
      - {name: no-up, command: [/bin/sh, -c, 'echo "{\\"summary\\": 1}"']}
    """.write(toFile: folder + "/functions/checks/config.yml", atomically: true, encoding: .utf8)
    let broken = try await vigil(["invoke", "checks"], in: folder)
    #expect(broken.status == 0, "\(broken.stderr)")
    let seen = try targets(broken)
    #expect(
      seen["raising"]?["summary"] as? String == "raising failed: exit status 1: ValueError: boom: no token",
      "\(String(describing: seen["raising"]))")
    #expect(
      (seen["garbage"]?["summary"] as? String)?.hasPrefix(
        "garbage failed: the answer is not JSON (invalid literal at byte 10)")
        == true, "\(String(describing: seen["garbage"]))")
    #expect(seen["no-up"]?["summary"] as? String == "no-up failed: the answer has no boolean 'up'")
  }
}
