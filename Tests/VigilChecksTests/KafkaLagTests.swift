import Foundation
import TestSupport
import Testing

@testable import VigilChecks

/// Consumer lag against a real Kafka-compatible broker (Tansu) on 127.0.0.1.
@Suite(.serialized) struct KafkaLagTests {
  func seed(_ bootstrap: String, topic: String, group: String, offsets: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: RepositoryPaths.root + "/.peers/venv/bin/python")
    process.arguments = [RepositoryPaths.peer("kafka_seed.py"), bootstrap, topic, "3", "100", group, offsets]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "seeding failed")
    return String(decoding: data, as: UTF8.self)
  }

  @Test func exactLagPerPartitionThenAClearErrorWhenTheBrokerIsGone() async throws {
    let broker = try await PeerProcess.resolve {
      Result { try PeerProcess(["python3", RepositoryPaths.peer("kafka_broker.py")]) }
    }
    let bootstrap = try #require(broker.values["bootstrap"])
    let ends = try await withCheckedThrowingContinuation {
      (continuation: CheckedContinuation<String, any Error>) in
      DispatchQueue(label: "vigil.tests.blocking").async {
        continuation.resume(
          with: Result { try seed(bootstrap, topic: "orders", group: "billing", offsets: "40,90,-") })
      }
    }
    #expect(ends.contains("\"0\": 100"), "\(ends)")
    let client = KafkaClient(bootstrap: [try #require(KafkaServer(bootstrap))], connectTimeout: 2, ioTimeout: 5)
    let lag = try await client.groupLag(group: "billing", topics: ["orders"])
    #expect(lag.map(\.partition) == [0, 1, 2])
    #expect(lag.map(\.logEnd) == [100, 100, 100])
    #expect(lag.map(\.committed) == [40, 90, nil])
    #expect(lag.map(\.lag) == [60, 10, nil])
    #expect(try await client.listGroups().contains("billing"))
    // Stopping waits for the broker to exit: do it off the cooperative pool.
    await withCheckedContinuation { continuation in
      DispatchQueue(label: "vigil.tests.blocking").async {
        broker.stop()
        continuation.resume()
      }
    }
    let server = try #require(KafkaServer(bootstrap))
    do {
      _ = try await KafkaClient(bootstrap: [server], connectTimeout: 2, ioTimeout: 2).groupLag(group: "billing")
      Issue.record("expected a connection error")
    } catch {
      guard case .connection = error else {
        Issue.record("expected a connection error, got \(error)")
        return
      }
      // Refused, or reset while the broker was going down: either way a connection error naming the broker.
      #expect(error.description.hasPrefix("Kafka connection: "), "\(error)")
      #expect(error.description.contains(bootstrap), "\(error)")
    }
  }
}

@Suite struct KafkaDecodingTests {
  /// A FindCoordinator v0 answer: error 0, node 1, host "127.0.0.1", port 9092.
  let coordinatorAnswer: [UInt8] = [0, 0, 0, 0, 0, 1, 0, 9] + Array("127.0.0.1".utf8) + [0, 0, 0x23, 0x84]

  @Test func decodesAWholeFrame() throws {
    var reader = KafkaReader(coordinatorAnswer, context: "test")
    let answer = try KafkaDecode.coordinator(&reader)
    #expect(answer.error == 0)
    #expect(answer.broker == .init(id: 1, host: "127.0.0.1", port: 9092))
  }

  @Test func everyTruncationIsAnErrorNotACrash() {
    for length in 0..<coordinatorAnswer.count {
      var reader = KafkaReader(Array(coordinatorAnswer.prefix(length)), context: "FindCoordinator")
      #expect(throws: KafkaProtocolError.self) { try KafkaDecode.coordinator(&reader) }
    }
  }

  @Test func absurdArrayCountsAreRefused() {
    var reader = KafkaReader([0x7F, 0xFF, 0xFF, 0xFF, 0, 1], context: "ListOffsets")
    let error = try? #require(throws: KafkaProtocolError.self) { try KafkaDecode.listOffsets(&reader) }
    #expect(error?.message.contains("does not fit") == true)
  }

  @Test func requestFramesAreLengthPrefixed() {
    let frame = kafkaRequest(.apiVersions, version: 0, correlationID: 7) { _ in }
    #expect(Array(frame.prefix(4)) == [0, 0, 0, UInt8(frame.count - 4)])
    #expect(Array(frame[4..<12]) == [0, 18, 0, 0, 0, 0, 0, 7])
  }
}
