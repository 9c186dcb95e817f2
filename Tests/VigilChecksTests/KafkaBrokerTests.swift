import Foundation
import TestSupport
import Testing
import VigilCore
import VigilCron

@testable import VigilChecks

/// `kafka-backlog` against a real Kafka-compatible broker (Tansu) on 127.0.0.1. Tansu advances its high
/// watermark by one per record batch, so the seeding script produces one record per batch: log-end offsets are
/// then exact.
@Suite(.serialized) struct KafkaBrokerTests {
  let state = InMemoryStateStore()
  let clock = ManualClock(Instant(timeIntervalSince1970: 1_795_000_000))

  func context(_ yaml: String, environment: [String: String] = [:]) throws -> Context {
    Context(
      requestID: "req", functionName: "kafka-backlog", region: "local", memoryLimitMB: 64, timeLimit: 60,
      deadline: Instant().addingTimeInterval(60), environment: environment, logger: .silent, state: state,
      clock: clock,
      configuration: ConfigValue(
        try YAMLParser.parse(yaml, file: "config.yml"), path: "config",
        substitution: EnvironmentSubstitution(environment: environment)))
  }

  func run(_ yaml: String) async throws -> KafkaBacklogResult {
    try await KafkaBacklogHandler().handle(.raw(.object([:])), context: try context(yaml))
  }

  @Test func exactLagThenStalledThenStoppedThenAClearErrorWhenTheBrokerIsGone() async throws {
    let broker = try await KafkaTestBroker.start()
    let ends = try await broker.seed(topic: "orders", records: 100, group: "billing", offsets: "40,90,-")
    #expect(ends.contains("\"0\": 100"), "\(ends)")
    let client = KafkaClient(
      bootstrap: [try #require(KafkaServer(broker.bootstrap))], connectTimeout: 2, ioTimeout: 5)
    let lag = try await client.groupLag(group: "billing", topics: ["orders"])
    #expect(lag.map(\.partition) == [0, 1, 2])
    #expect(lag.map(\.logEnd) == [100, 100, 100])
    #expect(lag.map(\.logStart) == [0, 0, 0])
    #expect(lag.map(\.committed) == [40, 90, nil])
    #expect(lag.map(\.lag) == [60, 10, nil])
    #expect(try await client.listGroups().contains("billing"))

    // A live member that never commits: the group is Stable, and the first sample is not yet a trend.
    let member = try await broker.member(group: "billing", topic: "orders")
    let config = "bootstrap: \(broker.bootstrap)\ngroups: [billing]\nthresholds: {lag: 1000}\n"
    let first = try await run(config)
    let group = try #require(first.groups.first)
    #expect(group.state == "Stable")
    #expect(group.members == 1)
    #expect(group.totalLag == 70)
    #expect(group.partitions.map(\.lag) == [60, 10, nil])
    #expect(group.partitions.map(\.status) == [.ok, .ok, .uncommitted])
    #expect(group.status == .ok)
    #expect(first.alertCandidates.first { $0.target == "billing" }?.healthy == true)

    // The producer advances, the committed offsets do not: stalled, with the trend in the alert text.
    try await broker.seed(topic: "orders", records: 20, group: "billing", offsets: "-,-,-")
    clock.advance(seconds: 60)
    let second = try await run(config)
    let stalled = try #require(second.groups.first)
    #expect(stalled.partitions.map(\.lag) == [80, 30, nil])
    #expect(stalled.partitions.map(\.status) == [.stalled, .stalled, .uncommitted])
    #expect(stalled.status == .stalled)
    let alert = try #require(second.alertCandidates.first { $0.target == "billing" })
    #expect(!alert.healthy)
    #expect(alert.summary.contains("stalled on 2 partitions"), "\(alert.summary)")
    #expect(alert.summary.contains("orders/0 lag 80 (+20 over 2 samples), committed 40"), "\(alert.summary)")
    #expect(alert.facts.contains(.init("topic", "orders lag 110 (limit 1000)")))
    #expect(alert.value == 110)

    // The member leaves: nobody consumes, so the group is stopped.
    await offPool { member.stop() }
    clock.advance(seconds: 60)
    let third = try await run(config)
    let stopped = try #require(third.groups.first)
    #expect(stopped.state == "Empty")
    #expect(stopped.members == 0)
    #expect(stopped.status == .stopped)

    // The broker goes away: a clear connection error naming it, an alert for the cluster, no crash.
    await broker.stop()
    do {
      _ = try await KafkaClient(
        bootstrap: [try #require(KafkaServer(broker.bootstrap))], connectTimeout: 2, ioTimeout: 2
      )
      .groupLag(group: "billing")
      Issue.record("expected a connection error")
    } catch let error as KafkaError {
      guard case .connection = error else {
        Issue.record("expected a connection error, got \(error)")
        return
      }
      #expect(error.description.hasPrefix("Kafka connection: "), "\(error)")
      #expect(error.description.contains(broker.bootstrap), "\(error)")
    }
    let gone = try await run(config)
    #expect(
      gone.error?.contains("Kafka connection: cannot connect to \(broker.bootstrap)") == true, "\(gone)")
    #expect(gone.alertCandidates.map(\.target) == ["cluster"])
    #expect(gone.alertCandidates.first?.healthy == false)
  }

  @Test func topicFiltersAndThresholdsPerGroupAndTopic() async throws {
    let broker = try await KafkaTestBroker.start()
    defer { Task { await broker.stop() } }
    try await broker.seed(topic: "orders", records: 30, group: "billing", offsets: "10,20,30")
    try await broker.seed(topic: "payments", partitions: 2, records: 10, group: "billing", offsets: "5,5")
    let result = try await run(
      """
      bootstrap: [\(broker.bootstrap)]
      groups: all
      topics: ["pay*"]
      thresholds:
        lag: 1000
        groups:
          billing: {topics: {payments: 9}}
      """)
    let group = try #require(result.groups.first { $0.group == "billing" })
    #expect(Set(group.partitions.map(\.topic)) == ["payments"])
    #expect(group.topics == [TopicReport(topic: "payments", lag: 10, threshold: 9)])
    #expect(!group.healthy)
    // Nobody is a member of the group (commits came from a tool), so the lag is not being worked off.
    #expect(group.reasons == ["stopped on 2 partitions", "payments lag 10 > 9"])
  }

  @Test func tlsAndEverySASLMechanismAgainstTheGate() async throws {
    let broker = try await KafkaTestBroker.start(gated: true)
    defer { Task { await broker.stop() } }
    // Seeded through the gate by kafka-python with SASL_SSL: the gate speaks SASL as a real client expects.
    try await broker.seed(
      topic: "orders", records: 10, group: "billing", offsets: "4,5,6", sasl: "SCRAM-SHA-512")
    let server = try #require(KafkaServer(broker.bootstrap))
    for mechanism in KafkaSecurity.Mechanism.allCases {
      let client = KafkaClient(
        bootstrap: [server],
        security: KafkaSecurity(
          tls: true, caFile: broker.caFile,
          sasl: .init(mechanism: mechanism, username: "vigil", password: "s3cret-Pass")),
        connectTimeout: 3, ioTimeout: 5)
      let lag = try await client.groupLag(group: "billing")
      #expect(lag.map(\.lag) == [6, 5, 4], "\(mechanism)")
    }
    // A wrong password: the broker's refusal, naming the user and mechanism.
    do {
      _ = try await KafkaClient(
        bootstrap: [server],
        security: KafkaSecurity(
          tls: true, caFile: broker.caFile,
          sasl: .init(mechanism: .scramSHA256, username: "vigil", password: "wrong")),
        connectTimeout: 3, ioTimeout: 5
      ).groupLag(group: "billing")
      Issue.record("expected an authentication error")
    } catch {
      let message = error.description
      #expect(message.hasPrefix("Kafka authentication: "), "\(message)")
      #expect(message.contains("refused user 'vigil' (SCRAM-SHA-256)"), "\(message)")
      #expect(message.contains("invalid credentials"), "\(message)")
    }
    // TLS verification is on: without the test CA the handshake fails, and says so.
    do {
      _ = try await KafkaClient(
        bootstrap: [server],
        security: KafkaSecurity(
          tls: true, sasl: .init(mechanism: .plain, username: "vigil", password: "s3cret-Pass")),
        connectTimeout: 3, ioTimeout: 5
      ).groupLag(group: "billing")
      Issue.record("expected a TLS error")
    } catch {
      #expect(error.description.contains("TLS"), "\(error)")
      #expect(error.description.lowercased().contains("certificate"), "\(error)")
    }
  }

  @Test func garbageTruncatedOrSilentAnswersAreClearErrorsNotCrashesOrHangs() async throws {
    let peer = try await offPool {
      try PeerProcess(["python3", RepositoryPaths.peer("kafka_garbage_server.py")])
    }
    defer { peer.stop() }
    let expected = [
      "oversize": "frame of 2147483647 bytes is out of bounds",
      "short": "Kafka protocol: ApiVersions v0 answer from 127.0.0.1:",
      "midframe": "closed the connection after 10 of 100 bytes (mid-frame)",
      "correlation": "correlation id",
      "silent": "no answer within 1.0 s",
    ]
    for (mode, fragment) in expected.sorted(by: { $0.key < $1.key }) {
      let port = Int(peer.values[mode] ?? "") ?? 0
      let started = Instant()
      do {
        _ = try await KafkaClient(
          bootstrap: [KafkaServer(host: "127.0.0.1", port: port)], connectTimeout: 1, ioTimeout: 1
        ).groupLag(group: "billing")
        Issue.record("\(mode): expected an error")
      } catch {
        #expect(error.description.contains(fragment), "\(mode): \(error)")
      }
      // Bounded by the 1 s timeouts, not a hang; room for a loaded machine.
      #expect(Instant().timeIntervalSince(started) < 15, "\(mode) took too long")
    }
  }

  /// A broker that accepts and never answers, with read timeouts longer than the invocation: the check still
  /// answers before its deadline, with the cluster's own alert saying why.
  @Test func aSilentBrokerCostsTheDeadlineNotTheResult() async throws {
    let peer = try await offPool {
      try PeerProcess(["python3", RepositoryPaths.peer("kafka_garbage_server.py")])
    }
    defer { peer.stop() }
    let port = try #require(peer.values["silent"])
    let context = Context(
      requestID: "req", functionName: "kafka-backlog", region: "local", memoryLimitMB: 64, timeLimit: 2,
      deadline: Instant().addingTimeInterval(2), environment: [:], logger: .silent, state: state,
      clock: SystemClock(),
      configuration: ConfigValue(
        try YAMLParser.parse(
          "bootstrap: ['127.0.0.1:\(port)']\ngroups: [billing]\ntimeout: 60s\nconnectTimeout: 30s\n",
          file: "config.yml"), path: "config", substitution: EnvironmentSubstitution(environment: [:])))
    let result = try await KafkaBacklogHandler().handle(.raw(.object([:])), context: context)
    #expect(
      result.error?.contains("the time the invocation had left for the query") == true,
      "\(String(describing: result.error))")
    let cluster = try #require(result.alertCandidates.first { $0.target == "cluster" })
    #expect(!cluster.healthy)
    #expect(context.remainingTime > 0, "the answer came after the deadline")
  }
}
