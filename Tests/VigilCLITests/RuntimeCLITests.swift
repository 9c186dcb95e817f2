import Foundation
import TestSupport
import Testing

/// `vigil runtime` against AWS's real Runtime Interface Emulator (from the aws-sam-cli wheel, see
/// scripts/bootstrap): success, handler error, init error, timeout, and several invocations in one process.
@Suite(.serialized) struct LambdaRuntimeTests {
  static let serverless = """
    service: lam
    functions:
      echo-fn:
        handler: echo
      fail-fn:
        handler: fail
      sleep-fn:
        handler: sleep
        timeout: 10
    """

  struct Run {
    var answers: [(status: Int, body: String)]
    var rie: [String]
    var log: [String]
  }

  func rie(function: String, payloads: [Any], env: [String: String] = [:]) async throws -> Run {
    let project = try makeProject(Self.serverless)
    var environment = [
      "AWS_LAMBDA_FUNCTION_NAME": function, "AWS_LAMBDA_FUNCTION_TIMEOUT": "5",
      "VIGIL_CONFIG": project + "/serverless.yml", "VIGIL_STATE_DIR": project + "/state",
    ]
    environment.merge(env) { _, new in new }
    let spec: [String: Any] = [
      "bootstrap": [RepositoryPaths.products + "/vigil", "runtime"], "env": environment, "payloads": payloads,
      "cwd": project,
    ]
    let specText = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
    let output = try await offPool { () throws -> Data in
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["python3", RepositoryPaths.root + "/Tests/Support/tools/rie_invoke.py", specText]
      let pipe = Pipe()
      process.standardOutput = pipe
      try process.run()
      let data = pipe.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return data
    }
    let json = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
    let answers = (json["answers"] as? [[String: Any]] ?? []).map {
      (status: $0["status"] as? Int ?? 0, body: $0["body"] as? String ?? "")
    }
    return Run(answers: answers, rie: json["rie"] as? [String] ?? [], log: json["log"] as? [String] ?? [])
  }

  func object(_ text: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
  }

  @Test func severalInvocationsInOneProcessWithTheContextFilledIn() async throws {
    let scheduled: [String: Any] = [
      "version": "0", "id": "53dc4d37", "detail-type": "Scheduled Event", "source": "aws.events",
      "account": "123456789012", "time": "2026-11-23T08:00:00Z", "region": "us-east-1",
      "resources": ["arn:aws:events:us-east-1:123456789012:rule/every-minute"], "detail": [:],
    ]
    let run = try await rie(function: "echo-fn", payloads: [scheduled, ["n": 2], ["n": 3]])
    #expect(run.answers.map(\.status) == [200, 200, 200], "\(run.answers) \(run.log)")
    let results = run.answers.map { object($0.body) }
    #expect(results[0]["eventKind"] as? String == "scheduled")
    #expect((results[1]["event"] as? [String: Any])?["n"] as? Int == 2)
    #expect(
      results.allSatisfy { ($0["invokedFunctionArn"] as? String)?.hasSuffix(":function:echo-fn") == true })
    #expect(Set(results.compactMap { $0["requestId"] as? String }).count == 3)
    // The platform's deadline (AWS_LAMBDA_FUNCTION_TIMEOUT 5 s) does not lift the function's own 3 s.
    #expect(results.allSatisfy { ($0["remainingTimeInMillis"] as? Int ?? 0) <= 3000 })
    // One process served all three: one init, three reports.
    #expect(run.rie.filter { $0.hasPrefix("START RequestId") }.count == 3)
    #expect(run.rie.filter { $0.contains("Init Duration") }.count == 1, "\(run.rie)")
    #expect(
      (run.rie + run.log).filter { $0.contains("\"msg\":\"serving the Lambda Runtime API\"") }.count == 1)
  }

  @Test func aHandlerErrorIsReportedInLambdasShape() async throws {
    let run = try await rie(
      function: "fail-fn", payloads: [["message": "disk on fire"], ["message": "again"]])
    #expect(run.answers.count == 2)
    let error = object(run.answers.first?.body ?? "")
    #expect(error["errorType"] as? String == "DeliberateFailure", "\(run.answers)")
    #expect(error["errorMessage"] as? String == "disk on fire")
    #expect(error["stackTrace"] as? [Any] != nil)
    // The process keeps serving after a handler error.
    #expect(object(run.answers.last?.body ?? "")["errorMessage"] as? String == "again")
  }

  @Test func anInitErrorGoesToInitErrorAndTheInvokerGets502() async throws {
    let run = try await rie(function: "echo-fn", payloads: [["n": 1]], env: ["VIGIL_FUNCTION": "nope"])
    #expect(run.answers.first?.status == 502, "\(run.answers)")
    #expect(
      run.answers.first?.body.contains("VIGIL_FUNCTION=nope names no function") == true, "\(run.answers)")
    #expect((run.rie + run.log).contains { $0.contains("\"msg\":\"init failed\"") })
  }

  @Test func aSlowHandlerTimesOut() async throws {
    let run = try await rie(
      function: "sleep-fn", payloads: [["seconds": 5]], env: ["AWS_LAMBDA_FUNCTION_TIMEOUT": "1"])
    #expect(run.answers.first?.body.contains("timed out after") == true, "\(run.answers)")
  }
}
