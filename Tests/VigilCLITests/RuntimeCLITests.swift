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
      large-fn:
        handler: echo
        timeout: 60
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
    let output = try await runToEnd([
      "python3", RepositoryPaths.root + "/Tests/Support/tools/rie_invoke.py", specText,
    ])
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
    let remaining = results.map { $0["remainingTimeInMillis"] as? Int }
    #expect(remaining.allSatisfy { $0.map { (1...3000).contains($0) } == true }, "\(remaining)")
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
      function: "sleep-fn", payloads: [["seconds": 8]], env: ["AWS_LAMBDA_FUNCTION_TIMEOUT": "3"])
    // Vigil's own answer, posted before the emulator's deadline: not the emulator's "Task timed out" (which
    // has no errorType of Vigil's and no reason).
    let answer = object(run.answers.first?.body ?? "")
    #expect(answer["errorType"] as? String == "TimeoutError", "\(run.answers)")
    #expect(
      (answer["errorMessage"] as? String)?.hasSuffix("seconds (the platform's deadline)") == true,
      "\(run.answers)")
  }
}

/// `vigil runtime` against a stand-in of SCF's Custom Runtime API (peers/scf_runtime_standin.py), and in SCF's
/// image mode (POST /event-invoke with X-Scf-* headers).
@Suite(.serialized) struct SCFRuntimeTests {
  func scf(events: [String], readyFailures: Int = 0, function: String = "echo-fn") async throws -> [String:
    Any]
  {
    let project = try makeProject(LambdaRuntimeTests.serverless)
    let spec: [String: Any] = [
      "bootstrap": [RepositoryPaths.products + "/vigil", "runtime"], "cwd": project, "events": events,
      "ready_failures": readyFailures, "time_limit_in_ms": 2500,
      "env": [
        "SCF_FUNCTIONNAME": function, "SCF_NAMESPACE": "prod", "SCF_FUNCTIONVERSION": "7",
        "TENCENTCLOUD_REGION": "ap-shanghai", "TENCENTCLOUD_APPID": "1253970226",
        "VIGIL_CONFIG": project + "/serverless.yml",
        "VIGIL_STATE_DIR": project + "/state",
      ],
    ]
    let specText = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
    let output = try await runToEnd(["python3", RepositoryPaths.peer("scf_runtime_standin.py"), specText])
    return try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
  }

  func object(_ text: String?) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data((text ?? "").utf8)) as? [String: Any]) ?? [:]
  }

  @Test func timerEventsWithTheContextFromSCFsEnvironmentAndAMalformedEvent() async throws {
    let timer = #"{"Type":"Timer","TriggerName":"every-minute","Time":"2026-11-23T00:00:00Z","Message":"m"}"#
    let run = try await scf(events: [timer, "{not json", timer])
    let results = run["results"] as? [[String: Any]] ?? []
    #expect(results.map { $0["kind"] as? String } == ["response", "error", "response"], "\(run)")
    let first = object(results.first?["body"] as? String)
    #expect(first["eventKind"] as? String == "timer")
    #expect(first["requestId"] as? String == results.first?["request_id"] as? String)
    #expect(first["region"] as? String == "ap-shanghai")
    #expect(first["namespace"] as? String == "prod")
    #expect(first["functionVersion"] as? String == "7")
    #expect(first["appId"] as? String == "1253970226")
    #expect(first["memoryLimitInMb"] as? Int == 128)
    // The platform's time_limit_in_ms (2500) is sooner than the function's own 3 s: it wins, less half a
    // second to post the answer.
    let limit = try #require(first["timeLimitInMs"] as? Int)
    #expect((1500...2000).contains(limit), "\(limit)")
    #expect(object(results[1]["body"] as? String)["errorType"] as? String == "InvalidEventDataException")
    #expect(run["violations"] as? [String] == [])
    #expect(run["ready_calls"] as? Int == 1)
  }

  @Test func initReadyIsRetriedAndItsFailureIsAClearExit() async throws {
    let retried = try await scf(events: [#"{"a":1}"#], readyFailures: 2)
    #expect(retried["ready_calls"] as? Int == 3)
    #expect((retried["results"] as? [[String: Any]])?.first?["kind"] as? String == "response")
    #expect(retried["violations"] as? [String] == [])
    let refused = try await scf(events: [#"{"a":1}"#], readyFailures: 10)
    #expect(refused["exited"] as? Int == 1, "\(refused)")
    #expect(refused["violations"] as? [String] == [], "never asks for an invocation before init/ready")
    #expect((refused["log"] as? [String] ?? []).contains { $0.contains("did not take init/ready") })
  }

  @Test func imageModeAnswersEventInvokeWithTheXScfHeaders() async throws {
    let project = try makeProject(LambdaRuntimeTests.serverless)
    let script = """
      import json, subprocess, sys, time, urllib.request
      vigil, project = sys.argv[1], sys.argv[2]
      log = open(project + "/image.log", "w")
      server = subprocess.Popen([vigil, "runtime", "--image", "--port", "0", "--host", "127.0.0.1"], cwd=project,
                                stderr=log, env={"VIGIL_STATE_DIR": project + "/state", "PATH": "/usr/bin:/bin"})
      address = None
      for _ in range(100):
          for line in open(project + "/image.log"):
              if '"serving SCF image invocations"' in line:
                  address = json.loads(line)["address"]
          if address: break
          time.sleep(0.05)
      def call(path, body, headers):
          request = urllib.request.Request(address + path, data=body.encode(), method="POST", headers=headers)
          try:
              with urllib.request.urlopen(request, timeout=10) as response:
                  return response.status, response.read().decode()
          except urllib.error.HTTPError as error:
              return error.code, error.read().decode()
      def declared(length):
          # Only the head: the answer to a body that is too large comes before the body is read.
          import socket
          host, port = address[len("http://"):].split(":")
          with socket.create_connection((host, int(port)), 10) as connection:
              connection.sendall(b"POST /event-invoke HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: %d\\r\\n\\r\\n" % length)
              return [int(connection.recv(4096).decode().split()[1])]
      headers = {"X-Scf-Request-Id": "scf-req-1", "X-Scf-Memory": "512", "X-Scf-Timeout": "2000",
                 "X-Scf-Name": "vigil-prod-echo-fn", "X-Scf-Namespace": "prod", "X-Scf-Region": "ap-guangzhou",
                 "X-Scf-Appid": "1253970226", "X-Scf-Version": "$LATEST"}
      answers = [call("/event-invoke", '{"Type":"Timer","TriggerName":"t","Time":"2026-11-23T00:00:00Z","Message":""}', headers),
                 call("/event-invoke", "{not json", headers),
                 call("/event-invoke", '{"message":"boom"}', dict(headers, **{"X-Scf-Name": "fail-fn"})),
                 call("/other", "{}", headers)]
      timer = '{"Type":"Timer","TriggerName":"t","Time":"2026-11-23T00:00:00Z","Message":""}'
      answers += [call("/event-invoke", timer, dict(headers, **{"X-Scf-Timeout": bad}))
                  for bad in ["nan", "inf", "-5", "1e400"]]
      # SCF sends events up to 6 MB: 2 MiB is read, 7 MiB refused.
      answers += [[(lambda a: [a[0], a[1][:300]])(call("/event-invoke", json.dumps({"pad": "x" * (2 << 20)}), dict({k: v for k, v in headers.items() if k != "X-Scf-Timeout"}, **{"X-Scf-Name": "large-fn"})))][0],
                  declared(7 << 20)]
      server.terminate()
      print(json.dumps({"answers": answers, "exit": server.wait(10)}))
      """
    let output = try await runToEnd(["python3", "-c", script, RepositoryPaths.products + "/vigil", project])
    let json = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
    let answers = json["answers"] as? [[Any]] ?? []
    #expect(answers.prefix(4).map { $0.first as? Int } == [200, 400, 500, 404], "\(json)")
    let echo = object(answers.first?.last as? String)
    #expect(echo["requestId"] as? String == "scf-req-1")
    #expect(echo["functionName"] as? String == "echo-fn")
    #expect(echo["memoryLimitInMb"] as? Int == 512)
    #expect(echo["region"] as? String == "ap-guangzhou")
    #expect(echo["appId"] as? String == "1253970226")
    // X-Scf-Timeout (2000 ms) is sooner than the function's own 3 s: it wins, less half a second to answer.
    let limit = try #require(echo["timeLimitInMs"] as? Int)
    #expect((1000...1500).contains(limit), "\(limit)")
    // A timeout header that is no finite count of milliseconds is ignored: the function's own 3 s applies.
    let bad = answers[4..<8].map { object($0.last as? String)["timeLimitInMs"] as? Int }
    #expect(answers[4..<8].map { $0.first as? Int } == [200, 200, 200, 200], "\(answers)")
    #expect(bad == [3000, 3000, 3000, 3000], "\(bad)")
    #expect(
      answers.suffix(2).map { $0.first as? Int } == [200, 413],
      "\(answers.suffix(2).map { $0.map { "\($0)".prefix(300) } })")
    // Every error has one shape, Lambda's: errorType and errorMessage.
    for (index, type) in [(1, "InvalidEventDataException"), (2, "DeliberateFailure"), (3, "NotFound")] {
      let body = object(answers[index].last as? String)
      #expect(body["errorType"] as? String == type, "\(answers[index])")
      #expect(body["errorMessage"] is String, "\(answers[index])")
    }
    #expect(object(answers[2].last as? String)["errorType"] as? String == "DeliberateFailure")
    #expect(json["exit"] as? Int == 0)
  }
}
