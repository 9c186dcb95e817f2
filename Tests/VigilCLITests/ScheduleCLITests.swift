import Foundation
import Synchronization
import TestSupport
import Testing

/// `vigil schedule --only FUNCTION` in `project` as a background process whose stderr log lines are read as
/// they come, so a test can wait for a line instead of sleeping.
final class ScheduleProcess: @unchecked Sendable {
  let process = TestProcess()
  private let lines = Mutex<(text: [String], ended: Bool)>(([], false))
  private let reader = DispatchGroup()

  convenience init(function: String, in project: String) throws {
    try self.init(
      arguments: ["schedule", "--only", function, "--state-dir", project + "/state"], in: project)
  }

  /// `vigil ARGUMENTS` in `project`, with `environment` added to this process's.
  init(arguments: [String], in project: String, environment: [String: String] = [:]) throws {
    process.executableURL = URL(fileURLWithPath: RepositoryPaths.products + "/vigil")
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: project)
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    let stderr = Pipe()
    process.standardError = stderr
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let handle = stderr.fileHandleForReading
    DispatchQueue(label: "vigil.tests.blocking").async(group: reader) { [self] in
      var pending = Data()
      while true {
        let chunk = handle.nextChunk()
        if chunk.isEmpty { break }
        pending.append(chunk)
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
          let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
          pending.removeSubrange(pending.startIndex...newline)
          lines.withLock { $0.text.append(line) }
        }
      }
      lines.withLock { $0.ended = true }
    }
  }

  /// The `msg` of every JSON log line read so far.
  var messages: [String] { records.compactMap { $0["msg"] as? String } }

  /// Every JSON log line read so far.
  var records: [[String: Any]] {
    lines.withLock { $0.text }.compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
  }

  /// Waits (at most `timeout` seconds) until `count` log lines have a `msg` equal to `message`.
  func waitFor(_ message: String, count: Int = 1, timeout: Double = 30) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if messages.filter({ $0 == message }).count >= count { return true }
      if lines.withLock({ $0.ended }) { return false }
      try? await Task.sleep(nanoseconds: 10_000_000)
    }
    return false
  }

  /// Waits (at most `timeout` seconds, then SIGKILL) for the process to end and its stderr to close; returns
  /// the exit status.
  func finish(timeout: Double = 30) async -> Int32 {
    let process = self.process
    let reader = self.reader
    return await withCheckedContinuation { continuation in
      DispatchQueue(label: "vigil.tests.blocking").async {
        let status = process.waitForExit(killAfter: timeout)
        _ = reader.wait(timeout: .now() + 5)
        continuation.resume(returning: status)
      }
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
    let schedule = try ScheduleProcess(function: "slow", in: project)
    // A one-second sleep handler is in flight once its start is logged.
    #expect(await schedule.waitFor("invocation started"), "\(schedule.messages)")
    let signalled = Date()
    schedule.process.terminate()  // SIGTERM
    let status = await schedule.finish()
    let waited = Date().timeIntervalSince(signalled)
    #expect(status == 0)
    // The in-flight run had at most a second left: the stop waits for it, not for the 30 s grace (generous
    // bound: a loaded machine is slow to start and stop processes).
    #expect(waited < 10, "took \(waited) s to stop")
    let messages = schedule.messages
    #expect(messages.contains("signal received: stopping new firings"))
    #expect(messages.last == "stopped")
    let started = messages.filter { $0 == "invocation started" }.count
    let finished = messages.filter { $0 == "invocation finished" }.count
    #expect(started == finished && started >= 1)
  }

  /// SIGSTOP freezes the scheduler as a suspended laptop would; after SIGCONT each missed trigger runs once.
  @Test func missedFiringsAfterASuspendRunOnce() async throws {
    let project = try makeProject(serverless)
    let schedule = try ScheduleProcess(function: "tick", in: project)
    // Frozen between runs, as a laptop usually is: a run still going at the stop would make the catch-up a skip.
    #expect(await schedule.waitFor("invocation finished"), "\(schedule.messages)")
    let process = schedule.process
    let stoppedAt = Date()
    kill(process.processIdentifier, SIGSTOP)
    // The suspension itself: three and a half seconds of triggers pass while the process is frozen.
    try await Task.sleep(nanoseconds: UInt64(3.5 * 1_000_000_000))
    let before = schedule.messages.filter { $0 == "echo" }.count
    let wokeAt = Date()
    kill(process.processIdentifier, SIGCONT)
    // After the wake: the catch-up run, then one on-time run.
    #expect(await schedule.waitFor("echo", count: before + 2), "\(schedule.messages)")
    process.terminate()
    let status = await schedule.finish()
    let records = schedule.records
    let missed = records.filter { ($0["msg"] as? String)?.hasPrefix("missed firings") == true }
    #expect(missed.count == 1, "\(missed)")
    let missedCount = try #require(missed.first?["missed"] as? String)
    #expect(try #require(Int(missedCount)) >= 2)
    // One run stands for the missed ones: of the runs whose fire time lies between a second after the stop (a
    // firing due as it stopped does not count) and the catch-up run's own (the latest missed instant, which the
    // scheduler may read a moment after the wake), exactly one ran: a burst would run the earlier instants too.
    // Decided by the runs' own fire times, not by how many on-time runs a slow machine fits in before the stop.
    let parser = ISO8601DateFormatter()
    let catchUpText = try #require(missed.first?["scheduled"] as? String)
    let catchUp = try #require(parser.date(from: catchUpText), "\(catchUpText)")
    #expect(catchUp > stoppedAt.addingTimeInterval(1) && catchUp <= wokeAt.addingTimeInterval(1))
    // A catch-up that met a run still going is logged as skipped instead (overlap: skip): handled once all the same.
    let frozen = records.filter { record in
      let message = record["msg"] as? String ?? ""
      guard message == "invocation started" || message.hasPrefix("skipped: the previous run"),
        let text = record["scheduled"] as? String,
        let scheduled = parser.date(from: text)
      else { return false }
      return scheduled > stoppedAt.addingTimeInterval(1) && scheduled <= catchUp
    }
    #expect(frozen.count == 1, "\(frozen) catch-up \(catchUpText), stopped \(stoppedAt), woke \(wokeAt)")
    #expect(records.filter { $0["msg"] as? String == "echo" }.count >= before + 2)
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
