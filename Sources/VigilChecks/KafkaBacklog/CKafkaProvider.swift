import VigilCore
import VigilCron
import VigilNet

/// Why a CKafka API call failed; `code` is Tencent Cloud's error code (`AuthFailure.SignatureFailure`,
/// `RequestLimitExceeded`…).
package struct CKafkaError: Error, Sendable, CustomStringConvertible {
  package var code: String
  package var message: String
  package var requestID: String?

  package var description: String {
    "CKafka \(code): \(message)" + (requestID.map { " (RequestId \($0))" } ?? "")
  }

  /// Throttling and server-side trouble pass; credentials and parameters do not.
  package var isTransient: Bool {
    code.hasPrefix("RequestLimitExceeded") || code == "InternalError" || code == "Transport"
      || code.hasPrefix("ResourceUnavailable")
  }
}

/// Consumer lag from the Tencent Cloud CKafka API 3.0 (`DescribeGroupOffsets`, version 2019-08-19, signed
/// TC3-HMAC-SHA256), for users who cannot reach the brokers. Committed and log-end offsets per partition, as
/// the API reports them; the API gives no group state or member count, so those stay unknown.
package struct CKafkaProvider: ConsumerLagProvider {
  let api: TencentCloudAPI
  let region: String
  let instanceID: String
  let clock: any WallClock
  let timeout: Double

  package init(
    endpoint: String = "https://ckafka.tencentcloudapi.com", region: String, instanceID: String,
    secretID: String,
    secretKey: String, transport: any HTTPTransport, clock: any WallClock = SystemClock(),
    timeout: Double = 10
  ) {
    self.api = TencentCloudAPI(
      endpoint: endpoint,
      signer: TC3Signer(
        secretID: secretID, secretKey: secretKey, service: "ckafka", host: URLText.host(of: endpoint)),
      transport: transport)
    self.region = region
    self.instanceID = instanceID
    self.clock = clock
    self.timeout = timeout
  }

  package var name: String { "ckafka \(instanceID) (\(region))" }

  package func groupLags(_ groups: KafkaGroupSelection, topics: KafkaTopicFilter?) async throws
    -> [KafkaGroupLag]
  {
    guard case .named(let names) = groups else {
      throw CKafkaError(
        code: "Configuration", message: "the CKafka provider needs named groups ('groups: all' is Kafka-only)"
      )
    }
    var result: [KafkaGroupLag] = []
    for group in names {
      var partitions: [PartitionLag] = []
      var offset = 0
      while true {
        let page = try await describeGroupOffsets(group: group, topics: topics?.exactNames, offset: offset)
        for topic in page.topics where topics?.matches(topic.name) ?? true {
          partitions += topic.partitions
        }
        offset += page.topics.count
        if page.topics.isEmpty || offset >= page.total || offset >= 10_000 { break }
      }
      result.append(
        KafkaGroupLag(
          group: group, state: nil, members: nil,
          partitions: partitions.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }))
    }
    return result
  }

  /// One page (at most 50 topics) of `DescribeGroupOffsets`.
  func describeGroupOffsets(group: String, topics: [String]?, offset: Int) async throws(CKafkaError) -> (
    total: Int, topics: [(name: String, partitions: [PartitionLag])]
  ) {
    var parameters: [String: JSONValue] = [
      "InstanceId": .string(instanceID), "Group": .string(group), "Offset": .int(Int64(offset)),
      "Limit": .int(50),
    ]
    if let topics, !topics.isEmpty { parameters["Topics"] = .array(topics.map { .string($0) }) }
    let answer: JSONValue
    do {
      answer = try await api.call(
        action: "DescribeGroupOffsets", version: "2019-08-19", region: region, payload: .object(parameters),
        timestamp: Int64(clock.now.timeIntervalSince1970), timeout: timeout, maxBodyBytes: 8 << 20)
    } catch {
      switch error {
      case .transport(let detail): throw CKafkaError(code: "Transport", message: detail)
      case .malformed: throw CKafkaError(code: "BadResponse", message: "\(error)")
      case .api(let code, let message, let requestID):
        throw CKafkaError(code: code, message: message, requestID: requestID)
      }
    }
    let requestID = answer["RequestId"]?.stringValue
    guard let result = answer["Result"], let list = result["TopicList"]?.arrayValue else {
      throw CKafkaError(
        code: "BadResponse", message: "no Result.TopicList in the answer", requestID: requestID)
    }
    let topics = list.map { topic -> (name: String, partitions: [PartitionLag]) in
      let name = topic["Topic"]?.stringValue ?? ""
      let partitions = (topic["Partitions"]?.arrayValue ?? []).compactMap { entry -> PartitionLag? in
        guard let partition = entry["Partition"]?.intValue, let logEnd = entry["LogEndOffset"]?.intValue
        else {
          return nil
        }
        let committed = entry["Offset"]?.intValue
        let ok = (entry["ErrorCode"]?.intValue ?? 0) == 0 && (committed ?? -1) >= 0
        return PartitionLag(
          topic: name, partition: Int32(clamping: partition), logEnd: logEnd, committed: ok ? committed : nil,
          lag: ok ? entry["Lag"]?.intValue : nil)
      }
      return (name, partitions)
    }
    return (Int(result["TotalCount"]?.intValue ?? Int64(topics.count)), topics)
  }
}
