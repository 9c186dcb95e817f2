import Foundation
import TestSupport
import Testing
import VigilCore
import VigilCron

@testable import VigilChecks

@Suite(.serialized) struct WebsiteStatusTests {
  func context(config yaml: String?) throws -> Context {
    let configuration = try yaml.map {
      ConfigValue(
        try YAMLParser.parse($0, file: "config.yml"), path: "config",
        substitution: EnvironmentSubstitution(environment: ["API_TOKEN": "tok-123456"]))
    }
    return Context(
      requestID: "req-1", functionName: "website-status", region: "ap-test", memoryLimitMB: 64, timeLimit: 20,
      deadline: Instant().addingTimeInterval(20), environment: [:], logger: .silent,
      state: InMemoryStateStore(),
      clock: SystemClock(), configuration: configuration)
  }

  func run(_ yaml: String) async throws -> WebsiteStatusResult {
    try await WebsiteStatusHandler().handle(.raw(.object([:])), context: try context(config: yaml))
  }

  @Test func eachConditionTypePassesAndFails() async throws {
    let base = try await HTTPTestPeer.httpBase()
    let result = try await run(
      """
      targets:
        - name: all-good
          url: \(base)/ok
          conditions: ["status == 200", "status in [200, 204]", "status < 400", "total < 5s", "connect < 2s", "dns < 2s", "ttfb < 5s", "transfer < 5s", "body contains \\"ok\\"", "body !contains \\"error\\""]
        - name: wrong-status
          url: \(base)/status/500
          conditions: ["status == 200"]
        - name: not-in-list
          url: \(base)/status/302
          followRedirects: false
          conditions: ["status in [200, 204]"]
        - name: too-slow
          url: \(base)/slow?ms=300
          conditions: ["total < 100ms", "ttfb < 100ms"]
        - name: missing-text
          url: \(base)/ok
          conditions: ["body contains \\"healthy\\""]
      """)
    let byName = Dictionary(uniqueKeysWithValues: result.targets.map { ($0.name, $0) })
    #expect(byName["all-good"]?.up == true)
    #expect(byName["all-good"]?.failedConditions.isEmpty == true)
    #expect(byName["wrong-status"]?.failedConditions.map(\.condition) == ["status == 200"])
    #expect(byName["wrong-status"]?.failedConditions.first?.actual == "500")
    #expect(byName["not-in-list"]?.failedConditions.first?.actual == "302")
    #expect(byName["too-slow"]?.failedConditions.map(\.condition) == ["total < 100ms", "ttfb < 100ms"])
    #expect(byName["missing-text"]?.failedConditions.first?.actual == "body does not contain \"healthy\"")
    #expect(result.up == 1)
    #expect(result.down == 4)
    #expect(result.alertCandidates.count == 5)
    let slow = try #require(result.alertCandidates.first { $0.target == "too-slow" })
    #expect(slow.key == "website-status/http/too-slow")
    #expect(!slow.healthy)
    #expect(slow.facts.contains { $0.name == "timings" && $0.value.contains("total") })
    #expect(slow.facts.contains { $0.name == "region" && $0.value == "ap-test" })
  }

  @Test func bodyJSONHeaderAndCertificateConditions() async throws {
    let base = try await HTTPTestPeer.httpBase()
    let secure = try await HTTPTestPeer.httpsBase()
    let ca = try await HTTPTestPeer.caFile()
    let result = try await run(
      """
      targets:
        - name: json-good
          url: \(base)/json
          conditions: ['$.status == "UP"', '$.checks.db != "DOWN"', '$.checks exists', '$.missing !exists', 'header Content-Type contains "json"', 'header Content-Type matches "^application/"', 'header X-Nope !exists', 'body matches "\\"status\\": \\"[A-Z]+\\""']
        - name: json-bad-value
          url: \(base)/json
          conditions: ['$.status == "DOWN"']
        - name: json-invalid
          url: \(base)/badjson
          conditions: ['$.status == "UP"']
        - name: header-missing
          url: \(base)/ok
          conditions: ['header X-Request-Id exists']
        - name: regex-miss
          url: \(base)/ok
          conditions: ['body matches "^v[0-9]+$"']
        - name: cert-fine
          url: \(secure)/ok
          caFile: \(ca)
          conditions: ['certificate > 1d']
        - name: cert-soon
          url: \(secure)/ok
          caFile: \(ca)
          conditions: ['certificate > 14d']
        - name: cert-plain
          url: \(base)/ok
          conditions: ['certificate > 1d']
      """)
    let failures = Dictionary(
      uniqueKeysWithValues: result.targets.map { ($0.name, $0.failedConditions.map(\.actual)) })
    #expect(failures["json-good"] == [])
    #expect(failures["json-bad-value"] == ["$.status is \"UP\""])
    #expect(failures["json-invalid"] == ["body is not JSON"])
    #expect(failures["header-missing"] == ["no X-Request-Id header"])
    #expect(failures["regex-miss"] == ["body does not match /^v[0-9]+$/"])
    #expect(failures["cert-fine"] == [])
    #expect(
      failures["cert-soon"]?.first?.hasSuffix("left") == true, "\(String(describing: failures["cert-soon"]))")
    #expect(failures["cert-plain"] == ["no certificate seen (plain HTTP, or no TLS handshake)"])
  }

  @Test func expiredCertificatesAreRejectedAndMeasured() async throws {
    let expired = try await HTTPTestPeer.expiredBase()
    let ca = try await HTTPTestPeer.caFile()
    let sink = CapturingSink(redactor: Redactor())
    var context = try context(
      config: """
        targets:
          - name: verified
            url: \(expired)/ok
            caFile: \(ca)
          - name: unverified
            url: \(expired)/ok
            insecure: true
            conditions: ['status == 200', 'certificate > 14d']
        """)
    context.logger = Logger(sink: sink)
    let result = try await WebsiteStatusHandler().handle(.raw(.object([:])), context: context)
    let verified = try #require(result.targets.first { $0.name == "verified" })
    #expect(verified.errorKind == "tls")
    #expect(verified.error?.contains("expired") == true, "\(String(describing: verified.error))")
    let unverified = try #require(result.targets.first { $0.name == "unverified" })
    #expect(unverified.status == 200)
    #expect(unverified.failedConditions.map(\.condition) == ["certificate > 14d"])
    #expect(unverified.failedConditions.first?.actual.hasPrefix("expired ") == true)
    #expect(
      sink.records.contains {
        $0.level == .warning && $0.message.hasPrefix("TLS verification is OFF")
          && $0.fields["target"] == "unverified"
      })
  }

  @Test func requestFailuresAreClassifiedPerTarget() async throws {
    let base = try await HTTPTestPeer.httpBase()
    let result = try await run(
      """
      targets:
        - name: refused
          url: http://127.0.0.1:\(unusedLoopbackPort())/
        - name: timeout
          url: \(base)/slow?ms=3000
          timeout: 300ms
        - name: loop
          url: \(base)/redirect-loop
        - name: self-signed
          url: \(try await HTTPTestPeer.httpsBase())/ok
        - name: trusted
          url: \(try await HTTPTestPeer.httpsBase())/ok
          caFile: \(try await HTTPTestPeer.caFile())
      """)
    let kinds = Dictionary(uniqueKeysWithValues: result.targets.map { ($0.name, $0.errorKind ?? "none") })
    #expect(
      kinds == [
        "refused": "refused", "timeout": "timeout", "loop": "redirects", "self-signed": "tls",
        "trusted": "none",
      ])
    #expect(result.targets.first { $0.name == "trusted" }?.up == true)
    #expect(result.targets.first { $0.name == "trusted" }?.timings?.tlsMs ?? 0 > 0)
  }

  @Test func secretsInURLsAndHeadersStayOutOfResults() async throws {
    let base = try await HTTPTestPeer.httpBase()
    let result = try await run(
      """
      targets:
        - name: api
          url: \(base)/headers?token=${env:API_TOKEN}
          headers:
            Authorization: Bearer ${env:API_TOKEN}
      """)
    let encoded = try JSONCoding.encodeString(result)
    #expect(!encoded.contains("tok-123456"))
    #expect(result.targets.first?.url.hasSuffix("token=***") == true)
    #expect(Redactor.shared.redact("x tok-123456 y") == "x *** y")
  }

  @Test(
    arguments: [
      ("targets:\n  - url: ftp://x\n", 2, 10, "must start with http:// or https://"),
      ("targets:\n  - url: http://x\n    conditions: [\"status ~= 200\"]\n", 3, 18, "unknown operator '~='"),
      (
        "targets:\n  - url: http://x\n    conditions: [\"latency < 1s\"]\n", 3, 18,
        "'latency' is not understood"
      ),
      ("targets:\n  - url: http://x\n    conditions: [\"total < soon\"]\n", 3, 18, "is not a duration"),
      (
        "targets:\n  - url: http://x\n    conditions: [\"$.status[x] == 1\"]\n", 3, 18,
        "must be an index or a quoted key"
      ),
      ("targets:\n  - url: http://x\n    conditions: [\"$.count > many\"]\n", 3, 18, "compares numbers"),
      (
        "targets:\n  - url: http://x\n    conditions: [\"body matches '[unclosed'\"]\n", 3, 18,
        "bad regular expression"
      ),
      ("targets:\n  - url: http://x\n    conditions: [\"header\"]\n", 3, 18, "needs a header name"),
      (
        "targets:\n  - url: http://x\n    conditions: [\"certificate > soon\"]\n", 3, 18,
        "expected 'certificate > 14d'"
      ),
      ("targets:\n  - url: http://x\n    timout: 3s\n", 3, 5, "did you mean 'timeout'"),
      ("targets:\n  - url: http://x\n    severity: urgent\n", 3, 15, "must be info, warning or critical"),
      (
        "targets:\n  - name: a\n    url: http://x\n  - name: a\n    url: http://y\n", 4, 5,
        "two targets are named 'a'"
      ),
      ("targets: []\n", 1, 1, "'targets' is empty"),
      (
        "targets:\n  - url: http://x\n    headers:\n      X-A: \"v\\r\\nX-B: injected\"\n", 4, 7,
        "contains a line break"
      ),
      ("target:\n  - url: http://x\n", 1, 1, "did you mean 'targets'"),
      // Durations out of range or not durations at all: refused here, never a trap in a timer later.
      ("targets:\n  - url: http://x\n    timeout: inf\n", 3, 14, "must be a duration like 500ms"),
      ("targets:\n  - url: http://x\n    timeout: nan\n", 3, 14, "must be a duration like 500ms"),
      ("targets:\n  - url: http://x\n    timeout: 1e400s\n", 3, 14, "must be a duration like 500ms"),
      ("targets:\n  - url: http://x\n    timeout: -1s\n", 3, 14, "must be a duration like 500ms"),
      ("targets:\n  - url: http://x\n    timeout: 30d\n", 3, 14, "must be between 1ms and 1h, found '30d'"),
      ("targets:\n  - url: http://x\n    timeout: 0s\n", 3, 14, "must be between 1ms and 1h"),
      (
        "targets:\n  - url: http://x\n    connectTimeout: 3000000\n", 3, 21,
        "'config.targets[0].connectTimeout' must be between 1ms and 10m"
      ),
      ("defaults:\n  timeout: 2h\ntargets:\n  - url: http://x\n", 2, 12, "must be between 1ms and 1h"),
      (
        "targets:\n  - url: http://x\n    maxBodyBytes: -5\n", 3, 19,
        "'config.targets[0].maxBodyBytes' must be 0-67108864, found '-5'"
      ),
    ] as [(String, Int, Int, String)])
  func badConfigurationNamesThePlace(yaml: String, line: Int, column: Int, message: String) throws {
    let value = ConfigValue(
      try YAMLParser.parse(yaml, file: "config.yml"), path: "config",
      substitution: EnvironmentSubstitution(environment: [:]))
    let error = try #require(throws: ConfigError.self) { try WebsiteStatusConfig.read(value) }
    #expect(error.mark.line == line, "\(error)")
    #expect(error.mark.column == column, "\(error)")
    #expect(error.message.contains(message), "\(error)")
  }

  @Test func eventTargetsOverrideTheConfiguration() async throws {
    let event = InvocationEvent(
      json: .object([
        "targets": .array([
          .object(["name": .string("from-event"), "url": .string(try await HTTPTestPeer.httpBase() + "/ok")])
        ])
      ]))
    let result = try await WebsiteStatusHandler().handle(
      event, context: try context(config: "targets:\n  - url: http://127.0.0.1:1/\n"))
    #expect(result.targets.map(\.name) == ["from-event"])
    #expect(result.up == 1)
  }
}
