import VigilCore
import VigilCron

/// A consumer's status, as Burrow names them, from recent samples rather than one fixed threshold.
package enum ConsumerStatus: String, Sendable, Codable, Hashable, Comparable {
  /// Committing, and lag is zero or not growing.
  case ok
  /// Committed on no partition here yet: nothing to judge.
  case uncommitted
  /// Committing, but lag grew at every sample of the window: falling behind.
  case lagging
  /// The committed offset went backwards (a reset or a replay).
  case rewound
  /// Members present, committed offset not moving, lag above zero (and growing when messages arrive).
  case stalled
  /// No members left and lag above zero: nobody consumes.
  case stopped
  /// The committed offset is below the log start: retention deleted messages the group never read.
  case behindRetention = "behind-retention"

  private var rank: Int {
    switch self {
    case .ok: return 0
    case .uncommitted: return 1
    case .lagging: return 2
    case .rewound: return 3
    case .stalled: return 4
    case .stopped: return 5
    case .behindRetention: return 6
    }
  }

  package static func < (lhs: ConsumerStatus, rhs: ConsumerStatus) -> Bool { lhs.rank < rhs.rank }
}

/// What the check keeps between runs for one group: the last few samples of every partition.
struct ConsumerSamples: Codable, Sendable {
  struct Sample: Codable, Sendable {
    var at: Instant
    /// `topic/partition` → [committed or -1, log end].
    var offsets: [String: [Int64]]
  }
  var samples: [Sample] = []
}

/// One partition's verdict with the figures that explain it.
package struct PartitionVerdict: Sendable, Codable, Hashable {
  package var topic: String
  package var partition: Int32
  package var status: ConsumerStatus
  package var lag: Int64?
  /// Lag change over the window (last minus first sample), when there are two samples or more.
  package var lagTrend: Int64?
  /// Samples the verdict rests on.
  package var samples: Int
  package var committed: Int64?
  package var logEnd: Int64

  /// `orders/1 lag 60 (+20 over 3 samples), committed 40 unchanged: stalled`.
  package var line: String {
    var text = "\(topic)/\(partition) "
    if let lag { text += "lag \(lag)" } else { text += "no commit" }
    if let lagTrend, samples > 1 {
      text += " (\(lagTrend >= 0 ? "+" : "")\(lagTrend) over \(samples) samples)"
    }
    if let committed { text += ", committed \(committed)" }
    text += ", log end \(logEnd): \(status.rawValue)"
    return text
  }
}

/// Judges a group from its current offsets and the samples of earlier runs.
enum ConsumerEvaluation {
  /// Per-partition verdicts, newest sample appended to `samples` (trimmed to `window`).
  static func judge(_ group: KafkaGroupLag, samples: inout ConsumerSamples, now: Instant, window: Int)
    -> [PartitionVerdict]
  {
    var current: [String: [Int64]] = [:]
    for partition in group.partitions {
      current["\(partition.topic)/\(partition.partition)"] = [partition.committed ?? -1, partition.logEnd]
    }
    samples.samples.append(.init(at: now, offsets: current))
    samples.samples = Array(samples.samples.suffix(max(2, window)))
    let membersGone = group.members == 0
    return group.partitions.map { partition in
      let key = "\(partition.topic)/\(partition.partition)"
      let history = samples.samples.compactMap { $0.offsets[key] }.filter { $0.count == 2 }
      let lags = history.map { $0[0] < 0 ? nil : Optional(max(0, $0[1] - $0[0])) }
      let commits = history.map { $0[0] }
      var status = ConsumerStatus.ok
      var trend: Int64?
      if let first = lags.first, let first, let last = lags.last, let last { trend = last - first }
      if partition.committed == nil {
        status = .uncommitted
      } else if partition.behindRetention {
        status = .behindRetention
      } else if (partition.lag ?? 0) == 0 {
        status = .ok
      } else if membersGone {
        status = .stopped
      } else if commits.count >= 2, let first = commits.first, let last = commits.last, last < first {
        status = .rewound
      } else if commits.count >= 2, Set(commits).count == 1 {
        status = .stalled
      } else if lags.count >= 3, Self.growsAtEveryStep(lags.compactMap { $0 }), lags.allSatisfy({ $0 != nil })
      {
        status = .lagging
      }
      return PartitionVerdict(
        topic: partition.topic, partition: partition.partition, status: status, lag: partition.lag,
        lagTrend: trend, samples: history.count, committed: partition.committed, logEnd: partition.logEnd)
    }
  }

  static func growsAtEveryStep(_ values: [Int64]) -> Bool {
    values.count >= 2 && zip(values, values.dropFirst()).allSatisfy { $0 < $1 }
  }
}
