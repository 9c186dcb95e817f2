/// The Kafka requests `kafka-backlog` sends, in non-flexible versions every broker since 0.10 answers, and
/// their responses.
enum KafkaAPI: Int16 {
  case listOffsets = 2
  case metadata = 3
  case offsetFetch = 9
  case findCoordinator = 10
  case describeGroups = 15
  case listGroups = 16
  case apiVersions = 18
}

/// A request frame: size, api key, version, correlation id, client id, body.
func kafkaRequest(_ api: KafkaAPI, version: Int16, correlationID: Int32, body: (inout KafkaWriter) -> Void)
  -> [UInt8]
{
  var payload = KafkaWriter()
  payload.int16(api.rawValue)
  payload.int16(version)
  payload.int32(correlationID)
  payload.nullableString("vigil")
  body(&payload)
  var frame = KafkaWriter()
  frame.int32(Int32(payload.bytes.count))
  return frame.bytes + payload.bytes
}

/// Metadata v1 answer: brokers and each topic's partitions with their leaders.
struct KafkaMetadata: Sendable, Hashable {
  struct Broker: Sendable, Hashable {
    var id: Int32
    var host: String
    var port: Int32
  }
  struct Partition: Sendable, Hashable {
    var id: Int32
    var leader: Int32
    var error: Int16
  }
  struct Topic: Sendable, Hashable {
    var name: String
    var error: Int16
    var partitions: [Partition]
  }
  var brokers: [Broker]
  var topics: [Topic]

  static func decode(_ reader: inout KafkaReader) throws(KafkaProtocolError) -> KafkaMetadata {
    let brokers = try reader.array { (r: inout KafkaReader) throws(KafkaProtocolError) in
      let broker = Broker(id: try r.int32(), host: try r.string(), port: try r.int32())
      _ = try r.nullableString()  // rack
      return broker
    }
    _ = try reader.int32()  // controller
    let topics = try reader.array { (r: inout KafkaReader) throws(KafkaProtocolError) in
      let error = try r.int16()
      let name = try r.string()
      _ = try r.int8()  // is_internal
      let partitions = try r.array { (p: inout KafkaReader) throws(KafkaProtocolError) in
        let error = try p.int16()
        let partition = Partition(id: try p.int32(), leader: try p.int32(), error: error)
        _ = try p.array { (q: inout KafkaReader) throws(KafkaProtocolError) in try q.int32() }  // replicas
        _ = try p.array { (q: inout KafkaReader) throws(KafkaProtocolError) in try q.int32() }  // isr
        return partition
      }
      return Topic(name: name, error: error, partitions: partitions)
    }
    return KafkaMetadata(brokers: brokers, topics: topics)
  }
}

/// One partition's offset in a ListOffsets or OffsetFetch answer.
struct KafkaPartitionOffset: Sendable, Hashable {
  var topic: String
  var partition: Int32
  var offset: Int64
  var error: Int16
}

enum KafkaDecode {
  /// ListOffsets v1: topics → partitions → (error, timestamp, offset).
  static func listOffsets(_ reader: inout KafkaReader) throws(KafkaProtocolError) -> [KafkaPartitionOffset] {
    try reader.array { (r: inout KafkaReader) throws(KafkaProtocolError) in
      let topic = try r.string()
      return try r.array { (p: inout KafkaReader) throws(KafkaProtocolError) in
        let partition = try p.int32()
        let error = try p.int16()
        _ = try p.int64()  // timestamp
        return KafkaPartitionOffset(topic: topic, partition: partition, offset: try p.int64(), error: error)
      }
    }.flatMap { $0 }
  }

  /// OffsetFetch v1: topics → partitions → (committed offset, metadata, error); -1 means no commit.
  static func offsetFetch(_ reader: inout KafkaReader) throws(KafkaProtocolError) -> [KafkaPartitionOffset] {
    try reader.array { (r: inout KafkaReader) throws(KafkaProtocolError) in
      let topic = try r.string()
      return try r.array { (p: inout KafkaReader) throws(KafkaProtocolError) in
        let partition = try p.int32()
        let offset = try p.int64()
        _ = try p.nullableString()  // metadata
        return KafkaPartitionOffset(topic: topic, partition: partition, offset: offset, error: try p.int16())
      }
    }.flatMap { $0 }
  }

  /// FindCoordinator v0: (error, node id, host, port).
  static func coordinator(_ reader: inout KafkaReader) throws(KafkaProtocolError) -> (
    error: Int16, broker: KafkaMetadata.Broker
  ) {
    let error = try reader.int16()
    return (
      error, KafkaMetadata.Broker(id: try reader.int32(), host: try reader.string(), port: try reader.int32())
    )
  }

  /// ListGroups v0: (error, [(group id, protocol type)]).
  static func listGroups(_ reader: inout KafkaReader) throws(KafkaProtocolError) -> (
    error: Int16, groups: [String]
  ) {
    let error = try reader.int16()
    let groups = try reader.array { (r: inout KafkaReader) throws(KafkaProtocolError) in
      let name = try r.string()
      _ = try r.string()
      return name
    }
    return (error, groups)
  }
}
