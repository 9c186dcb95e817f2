import Foundation
import TestSupport
import Testing

/// Starts `vigil schedule --only FUNCTION` in `project` as a background process; its stderr is piped back.
func startSchedule(function: String, in project: String) throws -> (Process, Pipe) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: RepositoryPaths.products + "/vigil")
  process.arguments = ["schedule", "--only", function, "--state-dir", project + "/state"]
  process.currentDirectoryURL = URL(fileURLWithPath: project)
  let stderr = Pipe()
  process.standardError = stderr
  process.standardOutput = FileHandle.nullDevice
  try process.run()
  return (process, stderr)
}

/// Reads a pipe to its end and waits for the process, on a Dispatch thread (not the cooperative pool).
func readToEnd(_ pipe: Pipe, waitingFor process: Process) async -> (data: Data, status: Int32) {
  await withCheckedContinuation { continuation in
    DispatchQueue(label: "vigil.tests.blocking").async {
      let data = pipe.fileHandleForReading.readDataToEndOfFile()
      continuation.resume(returning: (data, process.waitForExit()))
    }
  }
}

/// `vigil schedule` as a real process: firings, overlap, signals.
@Suite(.serialized) struct ScheduleCLITests {
  let serverless = """
    functions:
      tick:
        handler: echo
        events:
          - timer:
              name: every-second
              parameters:
                cronExpression: '*/1 * * * * * *'
                argument: hello
      slow:
        handler: sleep
        timeout: 10
        events:
          - timer:
              name: slow-every-second
              parameters:
                cronExpression: '*/1 * * * * * *'
      slower:
        handler: sleep
        timeout: 10
        events:
          - timer:
              name: five-seconds-every-second
              parameters:
                cronExpression: '*/1 * * * * * *'
                argument: '5'
      off:
        handler: echo
        events:
          - timer:
              name: disabled
              parameters:
                cronExpression: '* * * * * * *'
                enable: false
    """

  @Test func firesEachTriggerWithAnSCFTimerEvent() async throws {
    let project = try makeProject(serverless)
    let run = try await vigil(["schedule", "--only", "tick", "--for", "2.6"], in: project)
    #expect(run.status == 0, "\(run.stderr)")
    let echoes = run.logRecords.filter { $0["msg"] as? String == "echo" }
    #expect((2...3).contains(echoes.count), "\(echoes.count) firings")
    for echo in echoes {
      let event =
        try JSONSerialization.jsonObject(with: Data(((echo["event"] as? String) ?? "").utf8))
        as? [String: Any]
      #expect(event?["Type"] as? String == "Timer")
      #expect(event?["TriggerName"] as? String == "every-second")
      #expect(event?["Message"] as? String == "hello")
      #expect((event?["Time"] as? String)?.hasSuffix("Z") == true)
    }
    let lags = run.logRecords.compactMap { ($0["lagMs"] as? String).flatMap(Double.init) }
    #expect(lags.count == echoes.count)
    #expect(lags.allSatisfy { $0 >= 0 && $0 < 500 }, "\(lags)")
    #expect(!run.logRecords.contains { $0["trigger"] as? String == "disabled" })
  }

  @Test func overlappingRunsAreSkippedAndLogged() async throws {
    let project = try makeProject(serverless)
    let run = try await vigil(["schedule", "--only", "slow", "--for", "3.5"], in: project, input: "")
    #expect(run.status == 0, "\(run.stderr)")
    let skipped = run.logRecords.filter {
      ($0["msg"] as? String)?.hasPrefix("skipped: the previous run") == true
    }
    #expect(!skipped.isEmpty)
    let allowed = try await vigil(
      ["schedule", "--only", "slow", "--for", "2.5", "--overlap", "allow"], in: project)
    #expect(!allowed.logRecords.contains { ($0["msg"] as? String)?.hasPrefix("skipped") == true })
  }

  @Test func sigtermStopsNewFiringsAndWaitsForInFlightRuns() async throws {
    let project = try makeProject(serverless)
    let (process, stderr) = try startSchedule(function: "slow", in: project)
    try await Task.sleep(nanoseconds: UInt64(1.6 * 1_000_000_000))  // a one-second sleep handler is now in flight
    let signalled = Date()
    process.terminate()  // SIGTERM
    let (output, status) = await readToEnd(stderr, waitingFor: process)
    let waited = Date().timeIntervalSince(signalled)
    #expect(status == 0)
    #expect(waited < 3, "took \(waited) s to stop")
    let messages = String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap {
      (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["msg"] as? String
    }
    #expect(messages.contains("signal received: stopping new firings"))
    #expect(messages.last == "stopped")
    let started = messages.filter { $0 == "invocation started" }.count
    let finished = messages.filter { $0 == "invocation finished" }.count
    #expect(started == finished && started >= 1)
  }

  /// SIGSTOP freezes the scheduler as a suspended laptop would; after SIGCONT each missed trigger runs once.
  @Test func missedFiringsAfterASuspendRunOnce() async throws {
    let project = try makeProject(serverless)
    let (process, stderr) = try startSchedule(function: "tick", in: project)
    try await Task.sleep(nanoseconds: UInt64(1.3 * 1_000_000_000))
    kill(process.processIdentifier, SIGSTOP)
    try await Task.sleep(nanoseconds: UInt64(3.5 * 1_000_000_000))
    kill(process.processIdentifier, SIGCONT)
    try await Task.sleep(nanoseconds: UInt64(0.6 * 1_000_000_000))
    process.terminate()
    let (output, status) = await readToEnd(stderr, waitingFor: process)
    let records = String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    let missed = records.filter { ($0["msg"] as? String)?.hasPrefix("missed firings") == true }
    #expect(missed.count == 1, "\(missed)")
    #expect(Int(missed.first?["missed"] as? String ?? "") ?? 0 >= 2)
    // One run stands for the missed ones: no burst of runs on wake.
    let runs = records.filter { $0["msg"] as? String == "echo" }.count
    #expect((2...4).contains(runs), "\(runs) runs")
    #expect(status == 0)
  }

  @Test func graceExceededExitsOne() async throws {
    let project = try makeProject(serverless)
    let run = try await vigil(
      ["schedule", "--only", "slower", "--for", "1.2", "--grace", "0.2"], in: project)
    // The first run starts within a second and sleeps 5 s (its timer's argument): still running at 1.2 + 0.2 s.
    #expect(run.status == 1, "\(run.stderr)")
    #expect(
      run.logRecords.contains { $0["msg"] as? String == "stopping: runs still going after the grace period" })
  }

  @Test func nothingToScheduleIsAnError() async throws {
    let project = try makeProject(
      "functions:\n  planned:\n    handler: website-stats\n    events:\n      - timer:\n          parameters:\n            cronExpression: '0 * * * * * *'\n"
    )
    let run = try await vigil(["schedule", "--for", "1"], in: project)
    #expect(run.status == 2)
    #expect(run.stderr.contains("handler 'website-stats'"), "\(run.stderr)")
    #expect(run.stderr.contains("nothing to schedule"))
    let unknown = try await vigil(["schedule", "--only", "nope"], in: project)
    #expect(unknown.status == 2)
    #expect(unknown.stderr.contains("--only names unknown functions: nope"))
  }
}
