import Foundation
import Testing

@testable import VigilChecks

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

/// Decoding real captured answers, and every truncation and corruption of them.
@Suite struct KafkaCapturedFrameTests {
  static func bytes(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
      let next = hex.index(index, offsetBy: 2)
      bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
      index = next
    }
    return bytes
  }

  /// A reader positioned after the correlation id, which must be `correlation`.
  func body(_ hex: String, correlation: Int32) throws -> KafkaReader {
    var reader = KafkaReader(Self.bytes(hex), context: "fixture")
    #expect(try reader.int32() == correlation)
    return reader
  }

  @Test func apiVersionsListTheBrokersRanges() throws {
    var reader = try body(KafkaFixtures.apiVersionsV0, correlation: 1)
    let answer = try KafkaDecode.apiVersions(&reader)
    #expect(answer.error == 0)
    #expect(answer.ranges[KafkaAPI.metadata.rawValue] == 0...12)
    #expect(answer.ranges[KafkaAPI.saslAuthenticate.rawValue] == 0...2)
    #expect(answer.ranges[KafkaAPI.offsetFetch.rawValue] == 0...9)
  }

  @Test func metadataV4() throws {
    var reader = try body(KafkaFixtures.metadataV4, correlation: 2)
    let metadata = try KafkaMetadata.decode(&reader, version: 4)
    #expect(metadata.brokers.count == 1)
    #expect(metadata.brokers.first?.host == "127.0.0.1")
    #expect(metadata.topics.map(\.name) == ["orders"])
    #expect(metadata.topics.first?.partitions.map(\.id) == [0, 1, 2])
    #expect(metadata.topics.first?.partitions.allSatisfy { $0.leader == metadata.brokers.first?.id } == true)
    #expect(reader.remaining == 0)
  }

  @Test func findCoordinatorV1() throws {
    var reader = try body(KafkaFixtures.findCoordinatorV1, correlation: 3)
    let answer = try KafkaDecode.coordinator(&reader, version: 1)
    #expect(answer.error == 0)
    #expect(answer.broker.host == "127.0.0.1")
    #expect(reader.remaining == 0)
  }

  @Test func describeGroupsV1() throws {
    var reader = try body(KafkaFixtures.describeGroupsV1, correlation: 4)
    let groups = try KafkaDecode.describeGroups(&reader, version: 1)
    #expect(groups.map(\.group) == ["billing"])
    #expect(groups.first?.state == "Empty")
    #expect(groups.first?.members == [])
  }

  @Test func offsetFetchV1() throws {
    var reader = try body(KafkaFixtures.offsetFetchV1, correlation: 5)
    let offsets = try KafkaDecode.offsetFetch(&reader)
    #expect(offsets.map(\.offset) == [40, 90, -1])
    #expect(offsets.allSatisfy { $0.topic == "orders" && $0.error == 0 })
  }

  @Test func listOffsetsV1() throws {
    var reader = try body(KafkaFixtures.listOffsetsV1Latest, correlation: 6)
    let offsets = try KafkaDecode.listOffsets(&reader)
    #expect(offsets.map(\.offset) == [100, 100, 100])
  }

  /// Every prefix of every captured answer is an error, never a crash, and so is every array count set to
  /// garbage.
  @Test func everyTruncationAndCorruptionOfEveryFixtureIsAnError() {
    let decoders: [(String, ([UInt8]) throws(KafkaProtocolError) -> Void)] = [
      (
        KafkaFixtures.apiVersionsV0,
        { bytes throws(KafkaProtocolError) in
          var r = KafkaReader(bytes, context: "t")
          _ = try r.int32()
          _ = try KafkaDecode.apiVersions(&r)
        }
      ),
      (
        KafkaFixtures.metadataV4,
        { bytes throws(KafkaProtocolError) in
          var r = KafkaReader(bytes, context: "t")
          _ = try r.int32()
          _ = try KafkaMetadata.decode(&r, version: 4)
        }
      ),
      (
        KafkaFixtures.describeGroupsV1,
        { bytes throws(KafkaProtocolError) in
          var r = KafkaReader(bytes, context: "t")
          _ = try r.int32()
          _ = try KafkaDecode.describeGroups(&r, version: 1)
        }
      ),
      (
        KafkaFixtures.offsetFetchV1,
        { bytes throws(KafkaProtocolError) in
          var r = KafkaReader(bytes, context: "t")
          _ = try r.int32()
          _ = try KafkaDecode.offsetFetch(&r)
        }
      ),
      (
        KafkaFixtures.listOffsetsV1Latest,
        { bytes throws(KafkaProtocolError) in
          var r = KafkaReader(bytes, context: "t")
          _ = try r.int32()
          _ = try KafkaDecode.listOffsets(&r)
        }
      ),
    ]
    for (hex, decode) in decoders {
      let whole = Self.bytes(hex)
      #expect(throws: Never.self) { try decode(whole) }
      for length in 0..<whole.count {
        #expect(throws: KafkaProtocolError.self) { try decode(Array(whole.prefix(length))) }
      }
      // The first array count (after correlation id and, for ApiVersions, the error code) made absurd.
      var corrupted = whole
      let at =
        hex == KafkaFixtures.apiVersionsV0
        ? 6 : (hex == KafkaFixtures.listOffsetsV1Latest || hex == KafkaFixtures.offsetFetchV1 ? 4 : 8)
      corrupted.replaceSubrange(at..<at + 4, with: [0x7F, 0xFF, 0xFF, 0xF0])
      #expect(throws: KafkaProtocolError.self) { try decode(corrupted) }
    }
  }
}
