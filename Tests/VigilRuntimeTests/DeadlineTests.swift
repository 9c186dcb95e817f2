import Foundation
import TestSupport
import Testing
import VigilCore
import VigilCron

@testable import VigilRuntime

/// A short deadline (the function's timeout, Lambda's `Deadline-Ms`, SCF's `X-Scf-Timeout`) at or below a
/// target's timeout, with one target that never answers: the check still reports every target, the hanging
/// one as a timeout, before the deadline.
@Suite struct DeadlineTests {
  func project(functionTimeout: Double, targets: String, custom: String = "") throws -> Project {
    let root = NSTemporaryDirectory() + "vigil-deadline-\(UUID().uuidString)"
    try FileManager.default.createDirectory(
      atPath: root + "/functions/web", withIntermediateDirectories: true)
    try (custom + "functions:\n  web:\n    handler: website-status\n    timeout: \(functionTimeout)\n").write(
      toFile: root + "/serverless.yml", atomically: true, encoding: .utf8)
    try targets.write(toFile: root + "/functions/web/config.yml", atomically: true, encoding: .utf8)
    return try Project.load(path: root + "/serverless.yml", environment: [:])
  }

  struct Target: Decodable {
    var name: String
    var up: Bool
    var errorKind: String?
  }

  struct Result: Decodable { var targets: [Target] }

  @Test(
    arguments: [
      ("function timeout", 10, nil),
      ("platform deadline", 30.0, 10),
    ] as [(String, Double, Double?)])
  func aHangingTargetCostsOnlyItsOwnResult(source: String, functionTimeout: Double, platformDeadline: Double?)
    async throws
  {
    let silent = try SilentListener()
    let up = try await HTTPTestPeer.httpBase() + "/ok"
    let project = try project(
      functionTimeout: functionTimeout,
      targets: """
        targets:
          - {name: hanging, url: 'http://127.0.0.1:\(silent.port)/', timeout: 10s}
          - {name: healthy, url: '\(up)', timeout: 10s}
        """)
    let invoker = LocalInvoker(project: project, state: InMemoryStateStore(), sink: CapturingSink())
    let started = Instant()
    let platform = platformDeadline.map { LocalInvoker.Platform(deadline: started.addingTimeInterval($0)) }
    let outcome = await invoker.invoke("web", event: .raw(.object([:])), platform: platform)
    // A result at all: the invocation ended before its deadline (else a TimeoutError without the targets).
    let output = try outcome.result.get()
    let result = try JSONCoding.decode(Result.self, from: try output.encoded())
    #expect(result.targets.map(\.name) == ["hanging", "healthy"], "\(source)")
    #expect(result.targets.map(\.up) == [false, true], "\(source)")
    #expect(result.targets.first?.errorKind == "timeout", "\(source)")
    // The hanging target was asked, and given up on with the reserve for alerting and the answer still left.
    let connection = await silent.accepted(timeout: 1)
    #expect(connection >= 0, "the hanging target was never asked")
    if connection >= 0 { close(connection) }
  }

  /// A channel that never answers cannot hold the invocation past its deadline either: the delivery is cut
  /// there and kept for the next run, and the result still comes back (as an AlertingError that carries it,
  /// since the alert is not yet sent).
  @Test func aChannelThatNeverAnswersIsCutAtTheDeadline() async throws {
    let silentTarget = try SilentListener()
    let silentChannel = try SilentListener()
    let project = try project(
      functionTimeout: 4,
      targets: "targets:\n  - {name: hanging, url: 'http://127.0.0.1:\(silentTarget.port)/', timeout: 10s}\n",
      custom: """
        custom:
          vigil:
            channels:
              hook: {type: webhook, url: 'http://127.0.0.1:\(silentChannel.port)/alert', timeout: 60s}
            alerting:
              channels: [hook]

        """)
    let state = InMemoryStateStore()
    let invoker = LocalInvoker(project: project, state: state, sink: CapturingSink())
    let started = Instant()
    let outcome = await invoker.invoke("web", event: .raw(.object([:])))
    let elapsed = Instant().timeIntervalSince(started)
    guard case .failure(let failure) = outcome.result else {
      Issue.record("an undelivered alert must not look like success")
      return
    }
    #expect(failure.errorType == "AlertingError", "\(failure)")
    let output = try #require(outcome.output)
    let result = try JSONCoding.decode(Result.self, from: try output.encoded())
    #expect(result.targets.map(\.errorKind) == ["timeout"])
    // The deadline (4 s) bounds the whole invocation, not the channel's 60 s (nor the target's 10 s plus it).
    // The bound says which, with room for a loaded machine: 8.9 s beside a full build on 2 cores, 15.2 s at
    // load 29 on 2 cores; without the deadline it would be past 60 s.
    #expect(elapsed < 40, "\(elapsed) s")
    await #expect(try state.keys(prefix: "outbox/pending/").count == 1, "the alert is kept for the next run")
  }
}
