import VigilCore
import VigilCron
import VigilNet

/// `kafka-backlog`: consumer-group lag per partition, topic and group, judged Burrow-style from the samples of
/// recent runs (OK, lagging, stalled, stopped, rewound, behind retention) and against lag thresholds. One alert
/// candidate per group; an unreachable cluster is an alert of its own, not a silent failure.
package struct KafkaBacklogHandler: Handler {
  let transport: any HTTPTransport

  package init(transport: any HTTPTransport = CurlHTTPClient()) {
    self.transport = transport
  }

  package func handle(_ event: InvocationEvent, context: Context) async throws -> KafkaBacklogResult {
    let config = try Self.configuration(event: event, context: context, transport: transport)
    if config.insecure {
      context.logger.warning(
        "TLS verification is OFF for Kafka (security.insecure: true); the brokers' certificates are not checked",
        ["provider": config.provider.name])
    }
    let now = context.clock.now
    let lags: [KafkaGroupLag]
    do {
      lags = try await Self.groupLags(config, within: context.remainingTimeForProbes)
    } catch {
      let message = Redactor.shared.redact("\(error)")
      context.logger.error("consumer lag query failed", ["provider": config.provider.name, "error": message])
      let candidate = AlertCandidate(
        function: context.functionName, check: "kafka-backlog", target: "cluster", healthy: false,
        severity: config.severity, summary: "\(config.provider.name): \(message)",
        facts: [.init("provider", config.provider.name), .init("error", message)], observedAt: now)
      return KafkaBacklogResult(
        function: context.functionName, checkedAt: ISO8601.format(now, fractional: true),
        provider: config.provider.name, error: message, groups: [], alertCandidates: [candidate])
    }
    var reports: [GroupReport] = []
    for group in lags {
      reports.append(try await judge(group, config: config, context: context, now: now))
    }
    var candidates = reports.map { candidate($0, config: config, context: context, now: now) }
    // The cluster answered: close a "cluster unreachable" incident, if one is open.
    candidates.append(
      AlertCandidate(
        function: context.functionName, check: "kafka-backlog", target: "cluster", healthy: true,
        severity: config.severity, summary: "\(config.provider.name) answered",
        facts: [.init("provider", config.provider.name)], observedAt: now))
    return KafkaBacklogResult(
      function: context.functionName, checkedAt: ISO8601.format(now, fractional: true),
      provider: config.provider.name, error: nil, groups: reports, alertCandidates: candidates)
  }

  /// The lags, or an error when the cluster has not answered within `seconds` (the time the invocation has
  /// for probes): reported as the cluster's own alert, beside the result, never a timeout of the whole
  /// invocation. The abandoned query ends by its own connect and read timeouts.
  static func groupLags(_ config: KafkaBacklogConfig, within seconds: Double) async throws -> [KafkaGroupLag]
  {
    let provider = config.provider
    let groups = config.groups
    let topics = config.topics
    let result = await FirstResult<Result<[KafkaGroupLag], any Error>>.within(seconds) {
      do {
        return .success(try await provider.groupLags(groups, topics: topics))
      } catch {
        return .failure(error)
      }
    } timedOut: {
      .failure(ProbeDeadline(seconds: seconds))
    }
    return try result.get()
  }

  /// The cluster did not answer in the time the invocation had for it.
  struct ProbeDeadline: Error, CustomStringConvertible {
    var seconds: Double
    var description: String {
      "no answer within \(String(seconds, decimals: 1)) s, the time the invocation had left for the query"
    }
  }

  /// The configuration, with an event's `bootstrap`, `groups` and `topics` laid over the function's.
  static func configuration(event: InvocationEvent, context: Context, transport: any HTTPTransport) throws
    -> KafkaBacklogConfig
  {
    var root = context.configuration
    let overridden = ["bootstrap", "groups", "topics"].filter { key in
      if case .raw(let json) = event { return json[key] != nil }
      return false
    }
    if case .raw(let json) = event, !overridden.isEmpty {
      // The event's keys replace the file's; a `bootstrap` from the event means the Kafka protocol.
      let dropped = overridden + (overridden.contains("bootstrap") ? ["provider", "ckafka"] : [])
      var entries: [YAMLEntry] = []
      if let node = root?.node, case .mapping(let fileEntries) = node.kind {
        entries = fileEntries.filter { !dropped.contains($0.key) }
      }
      let eventNode = YAMLNode(
        json: .object(json.objectValue?.filter { overridden.contains($0.key) } ?? [:]), file: "event")
      if case .mapping(let eventEntries) = eventNode.kind { entries += eventEntries }
      root = ConfigValue(
        YAMLNode(.mapping(entries), at: eventNode.mark), path: "event",
        substitution: EnvironmentSubstitution(environment: context.environment))
    }
    guard let root else {
      throw InvocationFailure(
        errorType: "ConfigurationMissing",
        errorMessage:
          "kafka-backlog needs functions/\(context.functionName)/config.yml with 'bootstrap:' and 'groups:' "
          + "(or an event with 'bootstrap' and 'groups')")
    }
    return try KafkaBacklogConfig.read(root, transport: transport, clock: context.clock)
  }

  func judge(_ group: KafkaGroupLag, config: KafkaBacklogConfig, context: Context, now: Instant) async throws
    -> GroupReport
  {
    let key =
      "kafka-backlog/\(StateKeySegment.make(context.functionName))/\(StateKeySegment.make(group.group)).json"
    let verdicts = try await context.state.update(key) {
      record -> (store: [UInt8]?, result: [PartitionVerdict]) in
      // Samples that cannot be read start afresh: the window refills from this run on.
      var samples =
        record.flatMap { try? context.state.decodeRecord(ConsumerSamples.self, $0.data, key: key) }
        ?? ConsumerSamples()
      let verdicts = ConsumerEvaluation.judge(group, samples: &samples, now: now, window: config.window)
      return (try JSONCoding.encode(samples, pretty: true), verdicts)
    }
    let topics = group.topicLag.map { entry in
      TopicReport(
        topic: entry.topic, lag: entry.lag,
        threshold: config.thresholds.limit(group: group.group, topic: entry.topic))
    }
    // The worst status among committed partitions; "uncommitted" only when the group committed nowhere here.
    let committedStatuses = verdicts.map(\.status).filter { $0 != .uncommitted }
    let status = committedStatuses.max() ?? (verdicts.isEmpty ? .ok : .uncommitted)
    var reasons = topics.compactMap { topic -> String? in
      guard let limit = topic.threshold, topic.lag > limit else { return nil }
      return "\(topic.topic) lag \(topic.lag) > \(limit)"
    }
    if status > .uncommitted {
      let affected = verdicts.filter { $0.status == status }
      reasons.insert(
        "\(status.rawValue) on \(affected.count) partition\(affected.count == 1 ? "" : "s")", at: 0)
    }
    return GroupReport(
      group: group.group, state: group.state, members: group.members, status: status,
      healthy: reasons.isEmpty, totalLag: group.totalLag, reasons: reasons, topics: topics,
      partitions: verdicts)
  }

  func candidate(_ report: GroupReport, config: KafkaBacklogConfig, context: Context, now: Instant)
    -> AlertCandidate
  {
    var facts: [AlertCandidate.Fact] = [.init("provider", config.provider.name)]
    if let state = report.state { facts.append(.init("state", state)) }
    if let members = report.members { facts.append(.init("members", String(members))) }
    facts.append(.init("total lag", String(report.totalLag)))
    facts += report.topics.map { topic in
      .init("topic", "\(topic.topic) lag \(topic.lag)" + (topic.threshold.map { " (limit \($0))" } ?? ""))
    }
    let notable = report.partitions.filter { $0.status > .uncommitted }
      .sorted { ($0.status, $0.lag ?? 0) > ($1.status, $1.lag ?? 0) }
    facts += notable.prefix(20).map { .init("partition", $0.line) }
    if notable.count > 20 { facts.append(.init("partition", "… and \(notable.count - 20) more")) }
    let summary =
      report.healthy
      ? "\(report.group): ok, total lag \(report.totalLag)"
      : "\(report.group): \(report.reasons.joined(separator: "; "))"
        + (notable.first.map { " — worst \($0.line)" } ?? "")
    // Each partition's lag, for history and metrics (`lag:<topic>:<partition>`; the first 200 partitions).
    var figures: [String: Double] = ["value": Double(report.totalLag)]
    for partition in report.partitions.prefix(200) {
      if let lag = partition.lag { figures["lag:\(partition.topic):\(partition.partition)"] = Double(lag) }
    }
    return AlertCandidate(
      function: context.functionName, check: "kafka-backlog", target: report.group, healthy: report.healthy,
      severity: config.severity, summary: summary, facts: facts, observedAt: now,
      value: Double(report.totalLag), figures: figures)
  }
}

/// One topic's summed lag and the limit that applies.
package struct TopicReport: Sendable, Codable, Hashable {
  package var topic: String
  package var lag: Int64
  package var threshold: Int64?
}

/// One group's verdict.
package struct GroupReport: Sendable, Codable, Hashable {
  package var group: String
  package var state: String?
  package var members: Int?
  /// The worst partition status.
  package var status: ConsumerStatus
  package var healthy: Bool
  package var totalLag: Int64
  /// Why it is not healthy: statuses and threshold breaches.
  package var reasons: [String]
  package var topics: [TopicReport]
  package var partitions: [PartitionVerdict]
}

/// What `kafka-backlog` returns.
package struct KafkaBacklogResult: Sendable, Encodable, AlertProducing {
  package var function: String
  package var checkedAt: String
  package var provider: String
  /// Why the provider could not be queried, when it could not.
  package var error: String?
  package var groups: [GroupReport]
  package var alertCandidates: [AlertCandidate]

  enum CodingKeys: String, CodingKey { case function, checkedAt, provider, error, groups }
}
