import Foundation
import TestSupport
import Testing
import VigilCore
import VigilCron
import VigilNet

@testable import VigilChecks

/// Burrow-style verdicts from synthetic samples, the CKafka provider against its stand-in, and config errors.
@Suite struct KafkaEvaluationTests {
  let start = Instant(timeIntervalSince1970: 1_795_000_000)

  func group(members: Int?, _ partitions: [(committed: Int64?, end: Int64, start: Int64)]) -> KafkaGroupLag {
    KafkaGroupLag(
      group: "g", state: members == 0 ? "Empty" : "Stable", members: members,
      partitions: partitions.enumerated().map { index, entry in
        PartitionLag(
          topic: "t", partition: Int32(index), logEnd: entry.end, logStart: entry.start,
          committed: entry.committed)
      })
  }

  func judge(_ runs: [KafkaGroupLag], window: Int = 5) -> [PartitionVerdict] {
    var samples = ConsumerSamples()
    var verdicts: [PartitionVerdict] = []
    for (index, run) in runs.enumerated() {
      verdicts = ConsumerEvaluation.judge(
        run, samples: &samples, now: start.addingTimeInterval(Double(index) * 60), window: window)
    }
    return verdicts
  }

  @Test func committingButFallingBehindIsLagging() {
    let verdicts = judge([
      group(members: 2, [(10, 20, 0)]), group(members: 2, [(15, 30, 0)]), group(members: 2, [(20, 45, 0)]),
    ])
    #expect(verdicts.map(\.status) == [.lagging])
    #expect(verdicts.first?.lagTrend == 15)
    #expect(verdicts.first?.line == "t/0 lag 25 (+15 over 3 samples), committed 20, log end 45: lagging")
  }

  @Test func committingAndCatchingUpIsOK() {
    let verdicts = judge([
      group(members: 1, [(10, 50, 0)]), group(members: 1, [(30, 60, 0)]), group(members: 1, [(60, 70, 0)]),
    ])
    #expect(verdicts.map(\.status) == [.ok])
  }

  @Test func aCommittedOffsetGoingBackIsRewound() {
    let verdicts = judge([group(members: 1, [(50, 60, 0)]), group(members: 1, [(5, 60, 0)])])
    #expect(verdicts.map(\.status) == [.rewound])
  }

  @Test func aCommitBelowTheLogStartIsBehindRetention() {
    let verdicts = judge([group(members: 1, [(5, 60, 20)])])
    #expect(verdicts.map(\.status) == [.behindRetention])
  }

  @Test func noLagIsOKEvenWithoutMembers() {
    let verdicts = judge([group(members: 0, [(60, 60, 0)]), group(members: 0, [(60, 60, 0)])])
    #expect(verdicts.map(\.status) == [.ok])
  }

  @Test func theWindowKeepsOnlyTheLastSamples() {
    var samples = ConsumerSamples()
    for index in 0..<10 {
      _ = ConsumerEvaluation.judge(
        group(members: 1, [(Int64(index), 100, 0)]), samples: &samples,
        now: start.addingTimeInterval(Double(index)), window: 4)
    }
    #expect(samples.samples.count == 4)
    #expect(samples.samples.first?.offsets["t/0"] == [6, 100])
  }

  @Test func statusesOrderFromOKToWorst() {
    #expect([ConsumerStatus.stopped, .ok, .stalled, .lagging].max() == .stopped)
    #expect(ConsumerStatus.uncommitted < .lagging)
  }

  @Test func topicGlobs() {
    let filter = KafkaTopicFilter(["orders", "pay*", "*-dlq", "a*b*c"])
    #expect(filter.matches("orders"))
    #expect(!filter.matches("orders2"))
    #expect(filter.matches("payments"))
    #expect(filter.matches("billing-dlq"))
    #expect(filter.matches("axxbyyc"))
    #expect(!filter.matches("acb"))
    #expect(filter.exactNames == ["orders"])
  }

  @Test func bootstrapAddresses() {
    #expect(KafkaServer("10.0.0.5:9092") == KafkaServer(host: "10.0.0.5", port: 9092))
    #expect(KafkaServer("[::1]:9092") == KafkaServer(host: "::1", port: 9092))
    #expect(KafkaServer("broker") == nil)
    #expect(KafkaServer("broker:0") == nil)
    #expect(KafkaServer("bro ker:9092") == nil)
  }
}

@Suite struct KafkaConfigTests {
  func read(_ yaml: String, environment: [String: String] = [:]) throws -> KafkaBacklogConfig {
    try KafkaBacklogConfig.read(
      ConfigValue(
        try YAMLParser.parse(yaml, file: "functions/kafka-backlog/config.yml"), path: "config",
        substitution: EnvironmentSubstitution(environment: environment)),
      transport: CurlHTTPClient(), clock: SystemClock())
  }

  func error(_ yaml: String) -> String {
    do {
      _ = try read(yaml)
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  @Test func timeoutsOutOfRangeNameTheirPlace() {
    #expect(
      error("bootstrap: [b:9092]\ngroups: [g]\nconnectTimeout: 30d\n")
        == "functions/kafka-backlog/config.yml:3:17: 'config.connectTimeout' must be between 1ms and 1m, found '30d'"
    )
    #expect(
      error("bootstrap: [b:9092]\ngroups: [g]\ntimeout: inf\n").hasPrefix(
        "functions/kafka-backlog/config.yml:3:10: 'config.timeout' must be a duration"))
  }

  @Test func mistakesNameTheirPlace() {
    #expect(
      error("bootstrap: [broker]\ngroups: [g]\n")
        == "functions/kafka-backlog/config.yml:1:12: 'broker' is not host:port (e.g. 10.0.0.5:9092)")
    #expect(error("bootstrap: [b:9092]\ngroups: []\n").contains("config.yml:2:9: 'groups' is empty"))
    #expect(
      error(
        "bootstrap: [b:9092]\ngroups: [g]\nsecurity: {protocol: SASL_SSL, mechanism: SCRAM-SHA-1, username: u, password: p}\n"
      )
      .contains("unknown SASL mechanism 'SCRAM-SHA-1'"))
    #expect(
      error(
        "bootstrap: [b:9092]\ngroups: [g]\nsecurity: {protocol: SASL_PLAINTEXT, mechanism: PLAIN, username: u, password: p}\n"
      )
      .contains("sends the password in clear text"))
    #expect(error("bootstrap: [b:9092]\ngroups: [g]\nwindw: 3\n").contains("did you mean 'window'"))
    #expect(
      error("provider: ckafka\nckafka: {region: r, instanceId: i, secretId: s, secretKey: k}\ngroups: all\n")
        .contains("needs named groups"))
    #expect(
      error("bootstrap: [b:9092]\ngroups: [g]\nthresholds: {groups: {g: {topics: {t: -1}}}}\n").contains(
        "0 or more"))
  }

  @Test func passwordsComeFromTheEnvironmentAndAreRedacted() throws {
    let config = try read(
      """
      bootstrap: "a:9092, b:9093"
      groups: [g]
      security:
        protocol: SASL_SSL
        mechanism: scram-sha-512
        username: monitor
        password: ${env:KAFKA_PASSWORD}
      """, environment: ["KAFKA_PASSWORD": "kafka-pw-7731"])
    #expect(config.provider.name == "kafka a:9092,b:9093 (SASL_SSL)")
    #expect(Redactor.shared.redact("login kafka-pw-7731 failed") == "login *** failed")
    let thresholds = try read(
      "bootstrap: [b:9092]\ngroups: [g]\nthresholds: {lag: 100, groups: {g: {lag: 50, topics: {t: 5}}}}\n"
    ).thresholds
    #expect(thresholds.limit(group: "g", topic: "t") == 5)
    #expect(thresholds.limit(group: "g", topic: "u") == 50)
    #expect(thresholds.limit(group: "h", topic: "t") == 100)
  }
}

/// The CKafka provider against a stand-in answering as the API 3.0 documents: success (paged), signature
/// failure, throttling.
@Suite struct CKafkaProviderTests {
  func provider(instance: String = "ckafka-test", secretKey: String = "ckafka-test-key") async throws
    -> CKafkaProvider
  {
    CKafkaProvider(
      endpoint: try await RobotVendorPeer.base() + "/ckafka", region: "ap-guangzhou", instanceID: instance,
      secretID: "AKIDckafka", secretKey: secretKey, transport: CurlHTTPClient())
  }

  @Test func lagPerPartitionInTheSameShape() async throws {
    let lags = try await provider().groupLags(.named(["billing"]), topics: nil)
    let billing = try #require(lags.first)
    #expect(billing.group == "billing")
    #expect(billing.state == nil)
    #expect(billing.partitions.map(\.committed) == [40, 90, nil])
    #expect(billing.partitions.map(\.lag) == [60, 10, nil])
    #expect(billing.partitions.map(\.logEnd) == [100, 100, 100])
  }

  @Test func moreThanFiftyTopicsArePaged() async throws {
    let lags = try await provider().groupLags(.named(["wide"]), topics: KafkaTopicFilter(["t*"]))
    #expect(lags.first?.partitions.count == 55)
    #expect(lags.first?.partitions.last?.topic == "t54")
    #expect(lags.first?.totalLag == (0..<55).reduce(0) { $0 + Int64(100 - $1) })
  }

  @Test func aWrongSecretIsTheAPIsSignatureFailure() async throws {
    await #expect {
      try await provider(secretKey: "wrong").groupLags(.named(["billing"]), topics: nil)
    } throws: { error in
      guard let error = error as? CKafkaError else { return false }
      return error.code == "AuthFailure.SignatureFailure" && !error.isTransient && error.requestID != nil
    }
  }

  @Test func throttlingIsReportedAsTransient() async throws {
    await #expect {
      try await provider(instance: "ckafka-throttled").groupLags(.named(["billing"]), topics: nil)
    } throws: { error in
      guard let error = error as? CKafkaError else { return false }
      return error.code == "RequestLimitExceeded" && error.isTransient
        && error.description.contains("exceeds the frequency limit")
    }
  }
}
