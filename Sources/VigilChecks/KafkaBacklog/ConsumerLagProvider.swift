/// Which groups a check looks at.
package enum KafkaGroupSelection: Sendable, Hashable {
  /// Every consumer group the cluster knows.
  case all
  case named([String])
}

/// Where consumer lag comes from: the Kafka wire protocol, or a cloud API (Tencent CKafka). Both give the
/// same shape, so evaluation and alerting do not care which.
package protocol ConsumerLagProvider: Sendable {
  /// For messages: `kafka 10.0.0.5:9092` or `ckafka ckafka-abc123 (ap-guangzhou)`.
  var name: String { get }
  func groupLags(_ groups: KafkaGroupSelection, topics: KafkaTopicFilter?) async throws -> [KafkaGroupLag]
}

/// Lag over the Kafka protocol with `KafkaClient`.
package struct KafkaProtocolProvider: ConsumerLagProvider {
  package let client: KafkaClient

  package init(client: KafkaClient) { self.client = client }

  package var name: String {
    "kafka \(client.bootstrap.map(\.description).joined(separator: ","))"
      + (client.security.protocolName == "PLAINTEXT" ? "" : " (\(client.security.protocolName))")
  }

  package func groupLags(_ groups: KafkaGroupSelection, topics: KafkaTopicFilter?) async throws
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
