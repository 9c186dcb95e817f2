import Synchronization
import VigilNet

/// Why a Kafka query failed: connection, protocol (garbage or truncated frames), or a broker error code.
public enum KafkaError: Error, Sendable, CustomStringConvertible {
  case connection(TCPError)
  case protocolError(KafkaProtocolError)
  case broker(code: Int16, context: String)
  case noBroker(String)

  public var description: String {
    switch self {
    case .connection(let error): return "Kafka connection: \(error)"
    case .protocolError(let error): return "Kafka protocol: \(error)"
    case .broker(let code, let context):
      return "Kafka broker error \(code) (\(KafkaError.name(code))) in \(context)"
    case .noBroker(let message): return "Kafka: \(message)"
    }
  }

  static func name(_ code: Int16) -> String {
    switch code {
    case 3: return "UNKNOWN_TOPIC_OR_PARTITION"
    case 6: return "NOT_LEADER_OR_FOLLOWER"
    case 14: return "COORDINATOR_LOAD_IN_PROGRESS"
    case 15: return "COORDINATOR_NOT_AVAILABLE"
    case 16: return "NOT_COORDINATOR"
    case 25: return "UNKNOWN_MEMBER_ID"
    case 29: return "TOPIC_AUTHORIZATION_FAILED"
    case 30: return "GROUP_AUTHORIZATION_FAILED"
    default: return "code \(code)"
    }
  }
}

/// One partition's consumer lag.
public struct PartitionLag: Sendable, Codable, Hashable {
  public var topic: String
  public var partition: Int32
  /// The log-end offset (high watermark).
  public var logEnd: Int64
  /// The group's committed offset, or nil when the group never committed on this partition.
  public var committed: Int64?
  /// `logEnd - committed`, or nil without a commit.
  public var lag: Int64?
}

/// A small Kafka protocol client: just what consumer-lag monitoring needs, over plain TCP.
public final class KafkaClient: Sendable {
  let bootstrap: [(host: String, port: Int)]
  let connectTimeout: Double
  let ioTimeout: Double
  private let state = Mutex<(connections: [String: TCPConnection], correlation: Int32)>(([:], 0))

  public init(bootstrap: [(host: String, port: Int)], connectTimeout: Double = 5, ioTimeout: Double = 10) {
    self.bootstrap = bootstrap
    self.connectTimeout = connectTimeout
    self.ioTimeout = ioTimeout
  }

  private func connection(host: String, port: Int) async throws(KafkaError) -> TCPConnection {
    let key = "\(host):\(port)"
    if let existing = state.withLock({ $0.connections[key] }) { return existing }
    do {
      let fresh = try await TCPConnection.connect(
        host: host, port: port, connectTimeout: connectTimeout, ioTimeout: ioTimeout)
      state.withLock { $0.connections[key] = fresh }
      return fresh
    } catch {
      throw .connection(error)
    }
  }

  /// Sends one request and returns a reader positioned after the response header (correlation id checked).
  private func call(
    _ api: KafkaAPI, version: Int16, on connection: TCPConnection, body: (inout KafkaWriter) -> Void
  ) async throws(KafkaError) -> KafkaReader {
    let correlation = state.withLock { state -> Int32 in
      state.correlation &+= 1
      return state.correlation
    }
    let frame: [UInt8]
    do {
      frame = try await connection.exchangeFrame(
        kafkaRequest(api, version: version, correlationID: correlation, body: body))
    } catch {
      state.withLock { $0.connections[connection.address] = nil }
      throw .connection(error)
    }
    var reader = KafkaReader(frame, context: "\(api) v\(version) answer from \(connection.address)")
    do throws(KafkaProtocolError) {
      let answered = try reader.int32()
      guard answered == correlation else {
        throw KafkaProtocolError(
          message: "\(reader.context): correlation id \(answered), expected \(correlation)")
      }
    } catch {
      throw .protocolError(error)
    }
    return reader
  }

  private func bootstrapConnection() async throws(KafkaError) -> TCPConnection {
    var last: KafkaError = .noBroker("no bootstrap servers configured")
    for server in bootstrap {
      do {
        return try await connection(host: server.host, port: server.port)
      } catch {
        last = error
      }
    }
    throw last
  }

  /// Metadata for `topics` (all when nil).
  func metadata(topics: [String]?) async throws(KafkaError) -> KafkaMetadata {
    var reader = try await call(.metadata, version: 1, on: try await bootstrapConnection()) { writer in
      writer.array(topics) { $0.string($1) }
    }
    do { return try KafkaMetadata.decode(&reader) } catch { throw .protocolError(error) }
  }

  /// Consumer groups known to the bootstrap broker.
  public func listGroups() async throws(KafkaError) -> [String] {
    var reader = try await call(.listGroups, version: 0, on: try await bootstrapConnection()) { _ in }
    let answer: (error: Int16, groups: [String])
    do { answer = try KafkaDecode.listGroups(&reader) } catch { throw .protocolError(error) }
    guard answer.error == 0 else { throw .broker(code: answer.error, context: "ListGroups") }
    return answer.groups.sorted()
  }

  /// Lag per partition of `group` on `topics` (every non-internal topic when nil).
  public func groupLag(group: String, topics: [String]? = nil) async throws(KafkaError) -> [PartitionLag] {
    let metadata = try await metadata(topics: topics)
    let wanted = metadata.topics.filter {
      !$0.name.hasPrefix("__") && (topics == nil || topics?.contains($0.name) == true)
    }
    if let failed = wanted.first(where: { $0.error != 0 }) {
      throw .broker(code: failed.error, context: "Metadata for topic '\(failed.name)'")
    }
    // Committed offsets, from the group's coordinator.
    var coordinatorReader = try await call(.findCoordinator, version: 0, on: try await bootstrapConnection())
    { $0.string(group) }
    let coordinator: (error: Int16, broker: KafkaMetadata.Broker)
    do { coordinator = try KafkaDecode.coordinator(&coordinatorReader) } catch { throw .protocolError(error) }
    guard coordinator.error == 0 else {
      throw .broker(code: coordinator.error, context: "FindCoordinator for group '\(group)'")
    }
    let coordinatorConnection = try await connection(
      host: coordinator.broker.host, port: Int(coordinator.broker.port))
    var fetchReader = try await call(.offsetFetch, version: 1, on: coordinatorConnection) { writer in
      writer.string(group)
      writer.array(wanted) { w, topic in
        w.string(topic.name)
        w.array(topic.partitions) { $0.int32($1.id) }
      }
    }
    let committed: [KafkaPartitionOffset]
    do { committed = try KafkaDecode.offsetFetch(&fetchReader) } catch { throw .protocolError(error) }
    // Log-end offsets, from each partition's leader.
    var logEnds: [KafkaPartitionOffset] = []
    let byLeader = Dictionary(grouping: wanted.flatMap { topic in topic.partitions.map { (topic.name, $0) } })
    { $0.1.leader }
    for (leader, partitions) in byLeader.sorted(by: { $0.key < $1.key }) {
      guard let broker = metadata.brokers.first(where: { $0.id == leader }) else {
        throw .noBroker("no broker \(leader) in the metadata (leader of \(partitions.count) partitions)")
      }
      let byTopic = Dictionary(grouping: partitions) { $0.0 }
      var reader = try await call(
        .listOffsets, version: 1, on: try await connection(host: broker.host, port: Int(broker.port))
      ) { writer in
        writer.int32(-1)  // replica id: a client
        writer.array(byTopic.sorted { $0.key < $1.key }) { w, entry in
          w.string(entry.key)
          w.array(entry.value) { p, item in
            p.int32(item.1.id)
            p.int64(-1)  // latest
          }
        }
      }
      do { logEnds += try KafkaDecode.listOffsets(&reader) } catch { throw .protocolError(error) }
    }
    if let failed = logEnds.first(where: { $0.error != 0 }) {
      throw .broker(code: failed.error, context: "ListOffsets for \(failed.topic)/\(failed.partition)")
    }
    return logEnds.map { end in
      let commit = committed.first {
        $0.topic == end.topic && $0.partition == end.partition && $0.error == 0 && $0.offset >= 0
      }
      return PartitionLag(
        topic: end.topic, partition: end.partition, logEnd: end.offset, committed: commit?.offset,
        lag: commit.map { max(0, end.offset - $0.offset) })
    }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
  }
}
