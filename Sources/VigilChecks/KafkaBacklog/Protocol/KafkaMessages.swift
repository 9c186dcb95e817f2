/// The Kafka requests `kafka-backlog` sends, in non-flexible versions, and their responses. Versions are chosen
/// after ApiVersions: the newest one both sides speak, so 0.10 brokers and Kafka 4 (which dropped the oldest
/// versions, KIP-896) both work.
enum KafkaAPI: Int16, CaseIterable, Sendable {
  case listOffsets = 2
  case metadata = 3
  case offsetFetch = 9
  case findCoordinator = 10
  case describeGroups = 15
  case listGroups = 16
  case saslHandshake = 17
  case apiVersions = 18
  case saslAuthenticate = 36

  /// The versions this client can encode and decode, oldest first.
  var versions: [Int16] {
    switch self {
    case .metadata: return [1, 4]
    case .findCoordinator: return [0, 1]
    case .saslHandshake: return [1]
    case .listOffsets, .offsetFetch: return [1]
    case .apiVersions: return [0]
    case .describeGroups, .listGroups, .saslAuthenticate: return [0, 1]
    }
  }

  var name: String {
    switch self {
    case .listOffsets: return "ListOffsets"
    case .metadata: return "Metadata"
    case .offsetFetch: return "OffsetFetch"
    case .findCoordinator: return "FindCoordinator"
    case .describeGroups: return "DescribeGroups"
    case .listGroups: return "ListGroups"
    case .saslHandshake: return "SaslHandshake"
    case .apiVersions: return "ApiVersions"
    case .saslAuthenticate: return "SaslAuthenticate"
    }
  }
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

  /// Decodes version 1 or 4 (v2 adds the cluster id, v3 the throttle time).
  static func decode(_ reader: inout KafkaReader, version: Int16 = 1) throws(KafkaProtocolError)
    -> KafkaMetadata
  {
    if version >= 3 { _ = try reader.int32() }  // throttle_time_ms
    let brokers = try reader.array { (r: inout KafkaReader) throws(KafkaProtocolError) in
      let broker = Broker(id: try r.int32(), host: try r.string(), port: try r.int32())
      _ = try r.nullableString()  // rack
      return broker
    }
    if version >= 2 { _ = try reader.nullableString() }  // cluster_id
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

  /// FindCoordinator v0 (error, node id, host, port); v1 adds throttle time and error message.
  static func coordinator(_ reader: inout KafkaReader, version: Int16 = 0) throws(KafkaProtocolError) -> (
    error: Int16, broker: KafkaMetadata.Broker
  ) {
    if version >= 1 { _ = try reader.int32() }  // throttle_time_ms
    let error = try reader.int16()
    if version >= 1 { _ = try reader.nullableString() }  // error_message
    return (
      error, KafkaMetadata.Broker(id: try reader.int32(), host: try reader.string(), port: try reader.int32())
    )
  }

  /// ListGroups v0 (error, [(group id, protocol type)]); v1 adds the throttle time.
  static func listGroups(_ reader: inout KafkaReader, version: Int16 = 0) throws(KafkaProtocolError) -> (
    error: Int16, groups: [String]
  ) {
    if version >= 1 { _ = try reader.int32() }  // throttle_time_ms
    let error = try reader.int16()
    let groups = try reader.array { (r: inout KafkaReader) throws(KafkaProtocolError) in
      let name = try r.string()
      _ = try r.string()
      return name
    }
    return (error, groups)
  }
}

/// One group in a DescribeGroups answer.
struct KafkaGroupDescription: Sendable, Hashable {
  var error: Int16
  var group: String
  /// Stable, Empty, Dead, PreparingRebalance, CompletingRebalance.
  var state: String
  var protocolType: String
  var members: [Member]

  struct Member: Sendable, Hashable {
    var memberID: String
    var clientID: String
    var clientHost: String
  }
}

extension KafkaDecode {
  /// ApiVersions v0/v1: (error, [(api key, min, max)]); v1 adds the throttle time after the list.
  static func apiVersions(_ reader: inout KafkaReader) throws(KafkaProtocolError) -> (
    error: Int16, ranges: [Int16: ClosedRange<Int16>]
  ) {
    let error = try reader.int16()
    var ranges: [Int16: ClosedRange<Int16>] = [:]
    let entries = try reader.array { (r: inout KafkaReader) throws(KafkaProtocolError) in
      (try r.int16(), try r.int16(), try r.int16())
    }
    for (key, low, high) in entries where low <= high { ranges[key] = low...high }
    return (error, ranges)
  }

  /// DescribeGroups v0/v1 (v1 adds the throttle time first).
  static func describeGroups(_ reader: inout KafkaReader, version: Int16) throws(KafkaProtocolError)
    -> [KafkaGroupDescription]
  {
    if version >= 1 { _ = try reader.int32() }  // throttle_time_ms
    return try reader.array { (r: inout KafkaReader) throws(KafkaProtocolError) in
      let error = try r.int16()
      let group = try r.string()
      let state = try r.string()
      let protocolType = try r.string()
      _ = try r.string()  // protocol
      let members = try r.array { (m: inout KafkaReader) throws(KafkaProtocolError) in
        let member = KafkaGroupDescription.Member(
          memberID: try m.string(), clientID: try m.string(), clientHost: try m.string())
        _ = try m.bytesField()  // member_metadata
        _ = try m.bytesField()  // member_assignment
        return member
      }
      return KafkaGroupDescription(
        error: error, group: group, state: state, protocolType: protocolType, members: members)
    }
  }

  /// SaslHandshake v1: (error, enabled mechanisms).
  static func saslHandshake(_ reader: inout KafkaReader) throws(KafkaProtocolError) -> (
    error: Int16, mechanisms: [String]
  ) {
    let error = try reader.int16()
    return (error, try reader.array { (r: inout KafkaReader) throws(KafkaProtocolError) in try r.string() })
  }

  /// SaslAuthenticate v0/v1: (error, message, server bytes); v1 adds the session lifetime.
  static func saslAuthenticate(_ reader: inout KafkaReader) throws(KafkaProtocolError) -> (
    error: Int16, message: String?, bytes: [UInt8]
  ) {
    (try reader.int16(), try reader.nullableString(), try reader.bytesField())
  }
}
