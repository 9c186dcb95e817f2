import Foundation
import Synchronization
import TestSupport
import Testing
import VigilCore
import VigilCron

@testable import VigilRuntime

/// Holds a stubborn handler on its thread until the test lets it go, and says whether it finished.
final class StubbornGate: Sendable {
  private let released = DispatchSemaphore(value: 0)
  private let done = Mutex(false)
  func hold() {
    // Bounded, so a broken invoker fails the test instead of hanging it.
    _ = released.wait(timeout: .now() + 120)
    done.withLock { $0 = true }
  }
  func release() { released.signal() }
  var finished: Bool { done.withLock { $0 } }
}

/// Blocks its thread and ignores cancellation: the invoker must still stop waiting at the timeout.
struct StubbornHandler: Handler {
  let gate: StubbornGate
  func handle(_ event: InvocationEvent, context: Context) async throws -> JSONValue {
    gate.hold()
    return .string("finished late")
  }
}

@Suite(.serialized) struct LocalInvokerTests {
  let yaml = """
    service: test
    provider:
      timeout: 5
    functions:
      echo-fn:
        handler: echo
        memorySize: 96
        environment:
          variables:
            GREETING: hello
      failing:
        handler: fail
      sleepy:
        handler: sleep
        timeout: 0.3
      stubborn:
        handler: stubborn
        timeout: 0.3
      planned:
        handler: future
      typo:
        handler: website-stats
      broken:
        handler: echo
        environment:
          variables:
            SECRET: ${env:NOT_SET_ANYWHERE}
    """

  func invoker(
    sink: CapturingSink = CapturingSink(redactor: Redactor()), gate: StubbornGate = StubbornGate()
  ) throws -> (LocalInvoker, InMemoryStateStore) {
    var entries: [String: HandlerRegistry.Entry] = [:]
    for name in HandlerRegistry.standard.names {
      if let entry = HandlerRegistry.standard.entry(name) { entries[name] = entry }
    }
    entries["stubborn"] = .available(
      AnyHandler(name: "stubborn", summary: "test", StubbornHandler(gate: gate)))
    entries["future"] = .notAvailable(name: "future", reason: "not built yet (issue 99: a test stand-in)")
    let config = try ServerlessConfig.parse(
      yaml, file: "serverless.yml", directory: NSTemporaryDirectory() + "none", environment: [:])
    let project = Project(
      config: config, environment: ["PATH": "/bin"], registry: HandlerRegistry(entries: entries))
    let state = InMemoryStateStore()
    return (LocalInvoker(project: project, state: state, sink: sink), state)
  }

  @Test func successReturnsTheResultWithTheContextFilledIn() async throws {
    let sink = CapturingSink(redactor: Redactor())
    let (invoker, _) = try invoker(sink: sink)
    let event = InvocationEvent(
      json: .object([
        "Type": .string("Timer"), "TriggerName": .string("t"), "Time": .string("2026-01-01T00:00:00Z"),
        "Message": .string("m"),
      ]))
    let outcome = await invoker.invoke("echo-fn", event: event, requestID: "req-42")
    let json = try outcome.result.get()
    #expect(json["eventKind"] == .string("timer"))
    #expect(json["requestId"] == .string("req-42"))
    #expect(json["memoryLimitInMb"] == .int(96))
    #expect(json["timeLimitInMs"] == .int(5000))
    let remaining = json["remainingTimeInMillis"]?.intValue ?? 0
    #expect(remaining > 1000 && remaining <= 5000, "\(remaining)")
    #expect(sink.records.allSatisfy { $0.fields["requestId"] == "req-42" })
    #expect(sink.records.map(\.message).contains("invocation finished"))
  }

  @Test func handlerErrorsBecomeTheErrorShape() async throws {
    let (invoker, _) = try invoker()
    let outcome = await invoker.invoke(
      "failing", event: .raw(.object(["message": .string("disk on fire")])), requestID: "r")
    guard case .failure(let failure) = outcome.result else {
      Issue.record("expected a failure")
      return
    }
    #expect(failure.errorType == "DeliberateFailure")
    #expect(failure.errorMessage == "disk on fire")
    #expect(failure.requestId == "r")
  }

  /// A cancellable handler asked to sleep a minute is stopped at its 0.3 s limit.
  @Test func aSleepingHandlerIsCancelledAtItsTimeout() async throws {
    let (invoker, _) = try invoker()
    let started = Instant()
    let outcome = await invoker.invoke("sleepy", event: .raw(.object(["seconds": .double(60)])))
    let waited = Instant().timeIntervalSince(started)
    guard case .failure(let failure) = outcome.result else {
      Issue.record("expected a timeout, got \(outcome.result)")
      return
    }
    #expect(failure.errorType == "TimeoutError")
    #expect(failure.errorMessage.hasPrefix("Task timed out after 0.30 seconds"))
    // Not a speed figure: a minute's sleep that ends in under half of it was stopped, however busy the machine.
    #expect(waited < 30, "waited \(waited) s")
  }

  /// A handler that blocks its thread and ignores cancellation: the invocation ends at the timeout while the
  /// handler is still held (the gate opens only after the invoker has answered), so no clock decides the result.
  @Test func aBlockingHandlerDoesNotHoldTheInvocationPastItsTimeout() async throws {
    let gate = StubbornGate()
    defer { gate.release() }
    let (invoker, _) = try invoker(gate: gate)
    let outcome = await invoker.invoke("stubborn", event: .raw(.null))
    #expect(!gate.finished, "the invoker waited for the blocked handler")
    guard case .failure(let failure) = outcome.result else {
      Issue.record("expected a timeout, got \(outcome.result)")
      return
    }
    #expect(failure.errorType == "TimeoutError")
    #expect(failure.errorMessage.hasPrefix("Task timed out after 0.30 seconds"))
  }

  @Test(arguments: [
    ("planned", "HandlerNotAvailable", "not built yet (issue 99"),
    ("typo", "HandlerNotFound", "serverless.yml:22:14: unknown handler 'website-stats'"),
    ("nope", "FunctionNotFound", "no function 'nope' in serverless.yml"),
    ("broken", "ConfigurationError", "environment variable NOT_SET_ANYWHERE is not set"),
  ])
  func unrunnableFunctionsSayWhy(function: String, type: String, message: String) async throws {
    let (invoker, _) = try invoker()
    guard case .failure(let failure) = await invoker.invoke(function, event: .raw(.null)).result else {
      Issue.record("expected a failure")
      return
    }
    #expect(failure.errorType == type)
    #expect(failure.errorMessage.contains(message), "\(failure.errorMessage)")
  }
}

@Suite(.serialized) struct WebsiteStatusInvocationTests {
  /// The embedded default end to end: a project folder with a function config, a real loopback server,
  /// a file state folder, and the console channel.
  @Test func downThenUpFiresOnceThenResolves() async throws {
    let folder = NSTemporaryDirectory() + "vigil-project-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try FileManager.default.createDirectory(
      atPath: folder + "/functions/web", withIntermediateDirectories: true)
    try "functions:\n  web:\n    handler: website-status\n    timeout: 10\n".write(
      toFile: folder + "/serverless.yml", atomically: true, encoding: .utf8)
    let base = try await HTTPTestPeer.httpBase()
    func setTarget(_ path: String) throws {
      try "targets:\n  - name: app\n    url: \(base)\(path)\n    conditions: [\"status == 200\"]\n".write(
        toFile: folder + "/functions/web/config.yml", atomically: true, encoding: .utf8)
    }
    let project = try Project.load(path: folder + "/serverless.yml", environment: [:])
    let sink = CapturingSink(redactor: Redactor())
    let invoker = LocalInvoker(
      project: project, state: try FileStateStore(root: folder + "/.vigil"), sink: sink)

    try setTarget("/status/500")
    let down = await invoker.invoke("web", event: .raw(.object([:])))
    #expect(try down.result.get()["down"] == .int(1))
    #expect(down.notification?.notices.map(\.status) == [.firing])
    let again = await invoker.invoke("web", event: .raw(.object([:])))
    #expect(again.notification == nil)
    try setTarget("/ok")
    let up = await invoker.invoke("web", event: .raw(.object([:])))
    #expect(up.notification?.notices.map(\.status) == [.resolved])
    let consoleLines = sink.records.filter { $0.fields["alert"] != nil }
    #expect(consoleLines.count == 2)
    #expect(
      consoleLines.first?.fields["alert"]?.contains(
        "FIRING [critical] app is down: status == 200 failed (actual 500)") == true)
    // Both notifications went through the outbox and were delivered; nothing is left pending.
    let delivered = try FileManager.default.contentsOfDirectory(atPath: folder + "/.vigil/outbox/delivered")
    #expect(delivered.count == 2)
    let pending =
      (try? FileManager.default.contentsOfDirectory(atPath: folder + "/.vigil/outbox/pending")) ?? []
    #expect(pending.filter { !$0.hasPrefix(".") }.isEmpty)
    // History keeps the incident: opened by the first notice, resolved by the second, each delivery on the
    // console channel beside it; the quiet run between them added nothing.
    let incidents = try await IncidentRecorder(state: try FileStateStore(root: folder + "/.vigil"))
      .incidents(function: "web")
    #expect(incidents.count == 1)
    let incident = try #require(incidents.first)
    #expect(incident.target == "app")
    #expect(incident.id == down.notification?.notices.first?.incidentID)
    #expect(incident.timeline.map(\.status) == ["firing", "resolved"])
    #expect(incident.timeline.first?.summary.contains("status == 200 failed (actual 500)") == true)
    #expect(incident.resolved != nil && incident.resolved == incident.timeline.last?.time)
    #expect(
      incident.deliveries.map { "\($0.channel) \($0.notice) \($0.result)" } == [
        "console firing delivered", "console resolved delivered",
      ])
  }
}
