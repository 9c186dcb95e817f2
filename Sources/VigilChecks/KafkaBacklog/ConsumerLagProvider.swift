/// Which groups a check looks at.
public enum KafkaGroupSelection: Sendable, Hashable {
  /// Every consumer group the cluster knows.
  case all
  case named([String])
}

/// Where consumer lag comes from: the Kafka wire protocol, or a cloud API (Tencent CKafka). Both give the
/// same shape, so evaluation and alerting do not care which.
public protocol ConsumerLagProvider: Sendable {
  /// For messages: `kafka 10.0.0.5:9092` or `ckafka ckafka-abc123 (ap-guangzhou)`.
  var name: String { get }
  func groupLags(_ groups: KafkaGroupSelection, topics: KafkaTopicFilter?) async throws -> [KafkaGroupLag]
}

/// Lag over the Kafka protocol with `KafkaClient`.
public struct KafkaProtocolProvider: ConsumerLagProvider {
  public let client: KafkaClient

  public init(client: KafkaClient) { self.client = client }

  public var name: String {
    "kafka \(client.bootstrap.map(\.description).joined(separator: ","))"
      + (client.security.protocolName == "PLAINTEXT" ? "" : " (\(client.security.protocolName))")
  }

  public func groupLags(_ groups: KafkaGroupSelection, topics: KafkaTopicFilter?) async throws
    -> [KafkaGroupLag]
  {
    switch groups {
    case .named(let names): return try await client.groupLags(groups: names, topics: topics)
    case .all:
      let names = try await client.listGroups().filter { !$0.isEmpty }
      return try await client.groupLags(groups: names, topics: topics)
    }
  }
}
