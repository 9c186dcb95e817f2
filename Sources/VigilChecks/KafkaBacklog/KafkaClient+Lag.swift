/// Consumer-group queries: groups, their state and members, committed offsets and log offsets.
extension KafkaClient {
  /// Metadata for `topics` (all when nil).
  func metadata(topics: [String]?) async throws(KafkaError) -> KafkaMetadata {
    try await request(.metadata, on: try await bootstrapConnection()) { writer, version in
      writer.array(topics) { $0.string($1) }
      if version >= 4 { writer.int8(0) }  // allow_auto_topic_creation: never create topics by looking
    } decode: { (reader: inout KafkaReader, version: Int16) throws(KafkaProtocolError) in
      try KafkaMetadata.decode(&reader, version: version)
    }
  }

  /// Consumer groups known to every broker (each broker lists the groups it coordinates), sorted.
  package func listGroups() async throws(KafkaError) -> [String] {
    let brokers = try await metadata(topics: []).brokers
    var groups: Set<String> = []
    for broker in brokers {
      let answer = try await request(
        .listGroups, on: try await connection(to: KafkaServer(host: broker.host, port: Int(broker.port)))
      ) { _, _ in
      } decode: { (reader: inout KafkaReader, version: Int16) throws(KafkaProtocolError) in
        try KafkaDecode.listGroups(&reader, version: version)
      }
      guard answer.error == 0 else {
        throw .broker(code: answer.error, context: "ListGroups on \(broker.host)")
      }
      groups.formUnion(answer.groups)
    }
    return groups.sorted()
  }

  /// Lag of each of `groups` on the topics `filter` admits (every topic the group committed on when nil).
  ///
  /// One Metadata request, per group one FindCoordinator, DescribeGroups and OffsetFetch, then per partition
  /// leader one ListOffsets for the latest and one for the earliest offsets of every partition needed.
  package func groupLags(groups: [String], topics filter: KafkaTopicFilter? = nil) async throws(KafkaError)
    -> [KafkaGroupLag]
  {
    let metadata = try await metadata(topics: nil)
    let candidates = metadata.topics.filter { !$0.name.hasPrefix("__") && (filter?.matches($0.name) ?? true) }
    if let failed = candidates.first(where: { $0.error != 0 }) {
      throw .broker(code: failed.error, context: "Metadata for topic '\(failed.name)'")
    }
    if let filter {
      let known = Set(metadata.topics.map(\.name))
      if let missing = filter.exactNames.first(where: { !known.contains($0) }) {
        throw .broker(code: 3, context: "Metadata: no topic '\(missing)' on the cluster")
      }
    }
    var described: [(description: KafkaGroupDescription, committed: [Key: Int64])] = []
    for group in groups {
      described.append(try await describeAndFetch(group: group, topics: candidates))
    }
    // Topics to report per group: those it committed on, and those named exactly in the filter.
    let exact = Set(filter?.exactNames ?? [])
    let reported = described.map { entry in
      Set(entry.committed.keys.map(\.topic)).union(exact)
    }
    let needed = reported.reduce(into: Set<String>()) { $0.formUnion($1) }
    let offsets = try await logOffsets(
      metadata: metadata, topics: candidates.filter { needed.contains($0.name) })
    return zip(described, reported).map { entry, topics in
      let partitions = candidates.filter { topics.contains($0.name) }.flatMap { topic in
        topic.partitions.map { partition -> PartitionLag in
          let key = Key(topic: topic.name, partition: partition.id)
          return PartitionLag(
            topic: topic.name, partition: partition.id, logEnd: offsets.latest[key] ?? 0,
            logStart: offsets.earliest[key], committed: entry.committed[key])
        }
      }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
      return KafkaGroupLag(
        group: entry.description.group, state: entry.description.state,
        members: entry.description.members.count, partitions: partitions)
    }
  }

  /// Lag per partition of one group (the shape the first slice had), committed topics only unless named.
  package func groupLag(group: String, topics: [String]? = nil) async throws(KafkaError) -> [PartitionLag] {
    try await groupLags(groups: [group], topics: topics.map(KafkaTopicFilter.init)).first?.partitions ?? []
  }

  struct Key: Hashable {
    var topic: String
    var partition: Int32
  }

  /// The group's coordinator, its description there, and its committed offsets on `topics`.
  private func describeAndFetch(group: String, topics: [KafkaMetadata.Topic]) async throws(KafkaError) -> (
    description: KafkaGroupDescription, committed: [Key: Int64]
  ) {
    let coordinator = try await request(.findCoordinator, on: try await bootstrapConnection()) {
      writer, version in
      writer.string(group)
      if version >= 1 { writer.int8(0) }  // key_type: group
    } decode: { (reader: inout KafkaReader, version: Int16) throws(KafkaProtocolError) in
      try KafkaDecode.coordinator(&reader, version: version)
    }
    guard coordinator.error == 0 else {
      throw .broker(code: coordinator.error, context: "FindCoordinator for group '\(group)'")
    }
    let stream = try await connection(
      to: KafkaServer(host: coordinator.broker.host, port: Int(coordinator.broker.port)))
    let descriptions = try await request(.describeGroups, on: stream) { writer, _ in
      writer.array([group]) { $0.string($1) }
    } decode: { (reader: inout KafkaReader, version: Int16) throws(KafkaProtocolError) in
      try KafkaDecode.describeGroups(&reader, version: version)
    }
    guard let description = descriptions.first(where: { $0.group == group }) ?? descriptions.first else {
      throw .protocolError(KafkaProtocolError(message: "DescribeGroups answered no group for '\(group)'"))
    }
    guard description.error == 0 else {
      throw .broker(code: description.error, context: "DescribeGroups for group '\(group)'")
    }
    let fetched = try await request(.offsetFetch, on: stream) { writer, _ in
      writer.string(group)
      writer.array(topics) { w, topic in
        w.string(topic.name)
        w.array(topic.partitions) { $0.int32($1.id) }
      }
    } decode: { (reader: inout KafkaReader, _: Int16) throws(KafkaProtocolError) in
      try KafkaDecode.offsetFetch(&reader)
    }
    if let failed = fetched.first(where: { $0.error != 0 && $0.error != 3 }) {
      throw .broker(code: failed.error, context: "OffsetFetch for group '\(group)' on \(failed.topic)")
    }
    var committed: [Key: Int64] = [:]
    for entry in fetched where entry.error == 0 && entry.offset >= 0 {
      committed[Key(topic: entry.topic, partition: entry.partition)] = entry.offset
    }
    return (description, committed)
  }

  /// Latest and earliest offsets of every partition of `topics`, asking each partition's leader.
  private func logOffsets(metadata: KafkaMetadata, topics: [KafkaMetadata.Topic]) async throws(KafkaError)
    -> (
      latest: [Key: Int64], earliest: [Key: Int64]
    )
  {
    var latest: [Key: Int64] = [:]
    var earliest: [Key: Int64] = [:]
    let byLeader = Dictionary(grouping: topics.flatMap { topic in topic.partitions.map { (topic.name, $0) } })
    {
      $0.1.leader
    }
    let brokers = Dictionary(metadata.brokers.map { ($0.id, $0) }) { first, _ in first }
    for (leader, partitions) in byLeader.sorted(by: { $0.key < $1.key }) {
      guard let broker = brokers[leader] else {
        let example = partitions.first.map { "\($0.0)/\($0.1.id)" } ?? "?"
        throw .noBroker(
          "no broker \(leader) in the metadata (leader of \(partitions.count) partitions, e.g. \(example))")
      }
      let stream = try await connection(to: KafkaServer(host: broker.host, port: Int(broker.port)))
      let byTopic = Dictionary(grouping: partitions) { $0.0 }.sorted { $0.key < $1.key }
      for timestamp: Int64 in [-1, -2] {  // latest, earliest
        let answer = try await request(.listOffsets, on: stream) { writer, _ in
          writer.int32(-1)  // replica id: a client
          writer.array(byTopic) { w, entry in
            w.string(entry.key)
            w.array(entry.value) { p, item in
              p.int32(item.1.id)
              p.int64(timestamp)
            }
          }
        } decode: { (reader: inout KafkaReader, _: Int16) throws(KafkaProtocolError) in
          try KafkaDecode.listOffsets(&reader)
        }
        if let failed = answer.first(where: { $0.error != 0 }) {
          throw .broker(code: failed.error, context: "ListOffsets for \(failed.topic)/\(failed.partition)")
        }
        for entry in answer {
          let key = Key(topic: entry.topic, partition: entry.partition)
          if timestamp == -1 { latest[key] = entry.offset } else { earliest[key] = entry.offset }
        }
      }
    }
    return (latest, earliest)
  }
}
