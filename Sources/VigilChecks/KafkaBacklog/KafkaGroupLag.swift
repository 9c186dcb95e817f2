import VigilCore
import VigilCron

/// One partition's consumer lag.
package struct PartitionLag: Sendable, Codable, Hashable {
  package var topic: String
  package var partition: Int32
  /// The log-end offset (high watermark).
  package var logEnd: Int64
  /// The log-start offset (earliest kept), when known.
  package var logStart: Int64?
  /// The group's committed offset, or nil when the group never committed on this partition.
  package var committed: Int64?
  /// `logEnd - committed`, or nil without a commit.
  package var lag: Int64?

  package init(
    topic: String, partition: Int32, logEnd: Int64, logStart: Int64? = nil, committed: Int64?,
    lag: Int64? = nil
  ) {
    self.topic = topic
    self.partition = partition
    self.logEnd = logEnd
    self.logStart = logStart
    self.committed = committed
    self.lag = lag ?? committed.map { max(0, logEnd - $0) }
  }

  /// The committed offset points below the log start: retention deleted messages the group never read.
  package var behindRetention: Bool {
    guard let committed, let logStart else { return false }
    return committed < logStart
  }
}

/// A consumer group's lag on the topics it consumes, with its state and members.
package struct KafkaGroupLag: Sendable, Codable, Hashable {
  package var group: String
  /// Stable, Empty, Dead, PreparingRebalance, CompletingRebalance; nil when the provider does not say.
  package var state: String?
  /// Live members; nil when the provider does not say.
  package var members: Int?
  package var partitions: [PartitionLag]

  package init(group: String, state: String?, members: Int?, partitions: [PartitionLag]) {
    self.group = group
    self.state = state
    self.members = members
    self.partitions = partitions
  }

  /// The sum of every committed partition's lag.
  package var totalLag: Int64 { partitions.reduce(0) { $0 + ($1.lag ?? 0) } }

  /// Lag per topic, sorted by topic.
  package var topicLag: [(topic: String, lag: Int64)] {
    Dictionary(grouping: partitions, by: \.topic).map { ($0.key, $0.value.reduce(0) { $0 + ($1.lag ?? 0) }) }
      .sorted { $0.topic < $1.topic }
  }
}

/// Which topics a check looks at: names, or globs with `*` (`orders.*`); nil means every topic the group has
/// committed on.
package struct KafkaTopicFilter: Sendable, Hashable {
  package var patterns: [String]

  package init(_ patterns: [String]) { self.patterns = patterns }

  package func matches(_ topic: String) -> Bool {
    patterns.contains { Glob.matches($0, topic) }
  }

  /// Exact names: topics to report even when the group never committed on them.
  var exactNames: [String] { patterns.filter { !$0.contains("*") } }

}
