import VigilCore
import VigilCron

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
#if canImport(Glibc)
  import Glibc
#endif

/// One channel delivery waiting in the outbox.
public struct OutboxEntry: Sendable, Codable, Hashable {
  public var id: String
  public var channel: String
  /// Stable across retries: channels that support idempotency (PagerDuty `dedup_key`) pass it on.
  public var idempotencyKey: String
  public var notification: AlertNotification
  public var createdAt: Date
  public var attempts: Int
  public var nextAttemptAt: Date
  /// Set while one invocation is sending it, so no other sends it too.
  public var leaseUntil: Date?
  public var lastError: String?
  public var deliveredAt: Date?
  /// Channels to try next, in order, if this one refuses permanently or keeps failing (a fallback chain).
  public var fallbacks: [String]? = nil
}

/// Notifications are written here before they are sent, and leave only when delivered, permanently refused,
/// or expired: an alert that could not be sent is kept and retried by later invocations with exponential
/// backoff. Entries live in the state store (`outbox/pending/`, `outbox/delivered/`, `outbox/failed/`).
public struct Outbox: Sendable {
  let state: any StateStore
  let clock: any WallClock
  let environment: [String: String]
  /// Undelivered entries older than this are given up (and reported).
  public var maxAge: Double = 86_400
  /// First retry delay; doubles per attempt up to `maxBackoff`.
  public var baseBackoff: Double = 30
  public var maxBackoff: Double = 3600
  /// How long a claimed entry stays claimed if its sender dies.
  public var lease: Double = 120
  /// In a fallback chain, retryable failures on one channel before the next channel is tried.
  public var fallbackAfterAttempts = 3

  public init(state: any StateStore, clock: any WallClock, environment: [String: String] = [:]) {
    self.state = state
    self.clock = clock
    self.environment = environment
  }

  /// What a delivery round did.
  public struct Report: Sendable {
    public var delivered: [OutboxEntry] = []
    public var retrying: [OutboxEntry] = []
    public var failed: [OutboxEntry] = []
    /// Ids of the failed entries whose notification moved on to the next channel of a fallback chain.
    public var handedOn: Set<String> = []
    /// Pending entries that could not be decoded (moved aside, never sent), one line each.
    public var corrupt: [String] = []
    public init() {}
  }

  /// One delivery, given at most `seconds` (nil: as long as the channel takes). Past them the delivery is
  /// cancelled (its HTTP transfer aborted) and reported as retryable at once: the invocation's deadline, not
  /// the channel, ended it.
  static func deliver(_ entry: OutboxEntry, on channel: any Channel, within seconds: Double?)
    async throws(ChannelError)
  {
    guard let seconds else {
      try await channel.deliver(entry.notification, idempotencyKey: entry.idempotencyKey)
      return
    }
    let result = await FirstResult<Result<Void, ChannelError>>.within(seconds, label: "vigil.outbox.deadline")
    {
      do throws(ChannelError) {
        try await channel.deliver(entry.notification, idempotencyKey: entry.idempotencyKey)
        return .success(())
      } catch {
        return .failure(error)
      }
    } timedOut: {
      .failure(
        .throttled(
          "\(channel.name) had not answered when the invocation's time ran out (cancelled)", retryAfter: 1))
    }
    try result.get()
  }

  /// The entries for one notification, one per channel (each carrying `fallbacks`, the chain to try after
  /// it). Their ids are fixed here, so writing the same entries again (after a kill) finds them in place.
  public func entries(
    for notification: AlertNotification, channels: [String], fallbacks: [String]? = nil
  ) -> [OutboxEntry] {
    let now = clock.now
    return channels.map { channel in
      let id =
        "\(Self.stamp(now))-\(StateKey.segment(String(notification.requestID.prefix(36))))-\(StateKey.segment(channel))"
      return OutboxEntry(
        id: id, channel: channel, idempotencyKey: "\(notification.requestID)/\(channel)",
        notification: notification, createdAt: now, attempts: 0, nextAttemptAt: now, fallbacks: fallbacks)
    }
  }

  /// Writes entries to `outbox/pending/`, durably, unless each is already pending, delivered or failed:
  /// repeating it (a recovery after a kill) never sends anything twice.
  public func materialize(_ entries: [OutboxEntry]) throws {
    guard !entries.isEmpty else { return }
    try state.withLock("outbox") {
      for entry in entries where try !isKnown(entry.id) {
        try state.writeJSON("outbox/pending/\(entry.id).json", entry)
      }
    }
  }

  /// Writes one entry per channel, durably, before anything is sent.
  @discardableResult
  public func enqueue(
    _ notification: AlertNotification, channels: [String], fallbacks: [String]? = nil
  ) throws -> [OutboxEntry] {
    let entries = entries(for: notification, channels: channels, fallbacks: fallbacks)
    try materialize(entries)
    return entries
  }

  /// Whether an entry with this id is pending, delivered or failed.
  func isKnown(_ id: String) throws -> Bool {
    for folder in ["pending", "delivered", "failed"]
    where try state.read("outbox/\(folder)/\(id).json") != nil {
      return true
    }
    return false
  }

  /// Sends every pending entry that is due (this invocation's and earlier ones'), one sender per entry. With
  /// `deadline` (the invocation's), nothing is sent after it: a delivery still waiting then is cancelled and
  /// one not started is left as it was, both pending for the next run, so the invocation can answer in time.
  public func deliverDue(using channels: [String: any Channel], logger: Logger, until deadline: Date? = nil)
    async throws -> Report
  {
    var report = Report()
    let now = clock.now
    let claimed: [OutboxEntry] = try state.withLock("outbox") {
      var claimed: [OutboxEntry] = []
      for key in try state.keys(prefix: "outbox/pending/") {
        var entry: OutboxEntry
        do {
          guard let read = try state.readJSON(OutboxEntry.self, key) else { continue }
          entry = read
        } catch let error as StateError where error.isCorrupt {
          // Whatever it held cannot be sent: kept aside for a person, and reported.
          if let data = try state.read(key) {
            let aside = try state.setAside(key, data, now: now, reason: error.message, logger: logger)
            report.corrupt.append("\(error.message); moved to \(aside)")
          }
          continue
        }
        // A sender killed between recording the delivery (or the failure) and removing the pending entry
        // left both: the record wins, nothing is sent again.
        if try state.read("outbox/delivered/\(entry.id).json") != nil
          || state.read("outbox/failed/\(entry.id).json") != nil
        {
          try state.delete(key)
          continue
        }
        if entry.nextAttemptAt > now || (entry.leaseUntil.map { $0 > now } ?? false) { continue }
        if now.timeIntervalSince(entry.createdAt) > maxAge {
          entry.lastError =
            "expired undelivered after \(Int(maxAge)) s and \(entry.attempts) attempts: \(entry.lastError ?? "")"
          try move(entry, from: key, to: "failed")
          logger.error("ALERT NOT DELIVERED: outbox entry expired", fields(entry))
          report.failed.append(entry)
          continue
        }
        entry.leaseUntil = now.addingTimeInterval(lease)
        try state.writeJSON(key, entry)
        claimed.append(entry)
      }
      return claimed
    }
    for var entry in claimed {
      let key = "outbox/pending/\(entry.id).json"
      // A local channel (the console) cannot hold the invocation up: it is never cut.
      let local = channels[entry.channel]?.isLocal ?? false
      let left = local ? nil : deadline.map { $0.timeIntervalSince(clock.now) }
      if let left, left <= 0.05 {
        // No time left to try: not an attempt; the lease is dropped so the next run takes it at once.
        entry.leaseUntil = nil
        entry.lastError = "not sent: the invocation's time ran out first; the next run sends it"
        try state.withLock("outbox") { try state.writeJSON(key, entry) }
        logger.warning("alert delivery left for the next run: the invocation's time ran out", fields(entry))
        report.retrying.append(entry)
        continue
      }
      entry.attempts += 1
      entry.leaseUntil = nil
      do {
        guard let channel = channels[entry.channel] else {
          throw ChannelError.permanent("no channel named '\(entry.channel)' is configured")
        }
        try await Self.deliver(entry, on: channel, within: left)
        entry.deliveredAt = clock.now
        entry.lastError = nil
        try state.withLock("outbox") { try move(entry, from: key, to: "delivered") }
        logger.info("alert delivered", fields(entry))
        report.delivered.append(entry)
      } catch let thrown as ChannelError {
        // A throttled delivery is retried like any retryable one, but never before the vendor's hint.
        var hint: Double?
        var error = thrown
        if case .throttled(_, let seconds) = thrown {
          hint = seconds
          error = .retryable(thrown.message)
        }
        switch error {
        case .retryable(let message)
        where entry.attempts >= fallbackAfterAttempts && !(entry.fallbacks ?? []).isEmpty:
          entry.lastError = Redactor.shared.redact(message)
          try fallBack(entry, from: key, logger: logger)
          report.failed.append(entry)
          report.handedOn.insert(entry.id)
        case .permanent(let message) where !(entry.fallbacks ?? []).isEmpty:
          entry.lastError = Redactor.shared.redact(message)
          try fallBack(entry, from: key, logger: logger)
          report.failed.append(entry)
          report.handedOn.insert(entry.id)
        case .retryable(let message):
          entry.lastError = Redactor.shared.redact(message)
          let backoff = min(maxBackoff, baseBackoff * pow(2, Double(entry.attempts - 1)))
          // The vendor's hint wins when it says to wait (Retry-After: 3 is sooner than our 30 s; DingTalk's
          // 10-minute ban is later).
          entry.nextAttemptAt = clock.now.addingTimeInterval(hint.map { max(1, $0) } ?? backoff)
          try state.withLock("outbox") { try state.writeJSON(key, entry) }
          logger.warning(
            "alert delivery failed; kept in the outbox for a retry",
            fields(entry).merging(["retryAt": ISO8601.format(entry.nextAttemptAt)]) { _, new in new })
          report.retrying.append(entry)
        case .throttled:
          break  // turned into .retryable above
        case .permanent(let message):
          entry.lastError = Redactor.shared.redact(message)
          try state.withLock("outbox") { try move(entry, from: key, to: "failed") }
          logger.error(
            "ALERT NOT DELIVERED: the channel refused it permanently (fix the channel's configuration)",
            fields(entry))
          report.failed.append(entry)
        }
      }
    }
    return report
  }

  /// Gives the notification to the next channel of the chain; this entry is recorded as failed.
  private func fallBack(_ entry: OutboxEntry, from key: String, logger: Logger) throws {
    var chain = entry.fallbacks ?? []
    let next = chain.removeFirst()
    var successor = entry
    successor.id = "\(entry.id)-then-\(StateKey.segment(next))"
    successor.channel = next
    successor.idempotencyKey = "\(entry.notification.requestID)/\(next)"
    successor.attempts = 0
    successor.nextAttemptAt = clock.now
    successor.lastError = nil
    successor.fallbacks = chain
    try state.withLock("outbox") {
      try state.writeJSON("outbox/pending/\(successor.id).json", successor)
      try move(entry, from: key, to: "failed")
    }
    logger.warning(
      "alert delivery falls back to the next channel", fields(entry).merging(["next": next]) { _, new in new }
    )
  }

  private func move(_ entry: OutboxEntry, from key: String, to folder: String) throws {
    try state.writeJSON("outbox/\(folder)/\(entry.id).json", entry)
    try state.delete(key)
  }

  private func fields(_ entry: OutboxEntry) -> [String: String] {
    var fields = [
      "channel": entry.channel, "outboxId": entry.id, "attempts": String(entry.attempts),
      "notices": String(entry.notification.notices.count),
    ]
    if let error = entry.lastError { fields["error"] = error }
    return fields
  }

  static func stamp(_ date: Date) -> String {
    let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    return String(millis)
  }
}
