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
