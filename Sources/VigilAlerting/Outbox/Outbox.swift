import VigilCore
import VigilCron

#if canImport(Glibc)
  import Glibc
#endif

/// One channel delivery waiting in the outbox.
package struct OutboxEntry: Sendable, Codable, Hashable {
  package var id: String
  package var channel: String
  /// Stable across retries: channels that support idempotency (PagerDuty `dedup_key`) pass it on.
  package var idempotencyKey: String
  package var notification: AlertNotification
  package var createdAt: Instant
  package var attempts: Int
  package var nextAttemptAt: Instant
  /// Set while one invocation is sending it, so no other sends it too.
  package var leaseUntil: Instant?
  package var lastError: String?
  package var deliveredAt: Instant?
  /// Channels to try next, in order, if this one refuses permanently or keeps failing (a fallback chain).
  package var fallbacks: [String]? = nil
}

/// Notifications are written here before they are sent, and leave only when delivered, permanently refused,
/// or expired: an alert that could not be sent is kept and retried by later invocations with exponential
/// backoff. Entries live in the state store (`outbox/pending/`, `outbox/delivered/`, `outbox/failed/`); a
/// sender claims an entry with a compare-and-set of its lease, so instances sharing a store never both send it.
package struct Outbox: Sendable {
  let state: any StateStore
  let clock: any WallClock
  let environment: [String: String]
  /// Undelivered entries older than this are given up (and reported).
  package var maxAge: Double = 86_400
  /// First retry delay; doubles per attempt up to `maxBackoff`.
  package var baseBackoff: Double = 30
  package var maxBackoff: Double = 3600
  /// How long a claimed entry stays claimed if its sender dies.
  package var lease: Double = 120
  /// In a fallback chain, retryable failures on one channel before the next channel is tried.
  package var fallbackAfterAttempts = 3

  package init(state: any StateStore, clock: any WallClock, environment: [String: String] = [:]) {
    self.state = state
    self.clock = clock
    self.environment = environment
  }

  /// What a delivery round did.
  package struct Report: Sendable {
    package var delivered: [OutboxEntry] = []
    package var retrying: [OutboxEntry] = []
    package var failed: [OutboxEntry] = []
    /// Ids of the failed entries whose notification moved on to the next channel of a fallback chain.
    package var handedOn: Set<String> = []
    /// Pending entries that could not be decoded (moved aside, never sent), one line each.
    package var corrupt: [String] = []
    package init() {}
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
    let result = await FirstResult<Result<Void, ChannelError>>.within(seconds) {
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
  package func entries(
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

  /// Writes entries to `outbox/pending/`, durably and create-only: an entry already pending is left as it is,
  /// and one already delivered or failed is found by its receipt when claimed, so repeating this (a recovery
  /// after a kill, or two invocations recovering the same commit) never sends anything twice.
  package func materialize(_ entries: [OutboxEntry]) async throws {
    for entry in entries {
      _ = try await state.createJSON("outbox/pending/\(entry.id).json", entry)
    }
  }

  /// Writes one entry per channel, durably, before anything is sent.
  @discardableResult
  package func enqueue(
    _ notification: AlertNotification, channels: [String], fallbacks: [String]? = nil
  ) async throws -> [OutboxEntry] {
    let entries = entries(for: notification, channels: channels, fallbacks: fallbacks)
    try await materialize(entries)
    return entries
  }

  /// Whether the entry with this id was already delivered or given up (its receipt exists).
  func hasReceipt(_ id: String) async throws -> Bool {
    for folder in ["delivered", "failed"] where try await state.get("outbox/\(folder)/\(id).json") != nil {
      return true
    }
    return false
  }

  /// Sends every pending entry that is due (this invocation's and earlier ones'), one sender per entry. With
  /// `deadline` (the invocation's), nothing is sent after it: a delivery still waiting then is cancelled and
  /// one not started is left as it was, both pending for the next run, so the invocation can answer in time.
  package func deliverDue(
    using channels: [String: any Channel], logger: Logger, until deadline: Instant? = nil
  )
    async throws -> Report
  {
    var report = Report()
    let now = clock.now
    // Claims: each due entry is leased with a compare-and-set of its record, so of two invocations (on any
    // machines) reading it at once exactly one wins it and sends it.
    var claimed: [(entry: OutboxEntry, version: StateVersion)] = []
    for key in try await state.keys(prefix: "outbox/pending/") {
      guard let record = try await state.get(key) else { continue }
      var entry: OutboxEntry
      do {
        entry = try state.decodeRecord(OutboxEntry.self, record.data, key: key)
      } catch let error as StateError where error.isCorrupt {
        // Whatever it held cannot be sent: kept aside for a person, and reported.
        let aside = try await state.setAside(
          key, record.data, now: now, reason: error.message, logger: logger)
        report.corrupt.append("\(error.message); moved to \(aside)")
        continue
      }
      if entry.nextAttemptAt > now || (entry.leaseUntil.map { $0 > now } ?? false) { continue }
      if now.timeIntervalSince(entry.createdAt) > maxAge {
        entry.lastError =
          "expired undelivered after \(Int(maxAge)) s and \(entry.attempts) attempts: \(entry.lastError ?? "")"
        guard
          try await state.put(key, JSONCoding.encode(entry, pretty: true), if: .version(record.version))
            != nil
        else { continue }
        if try await hasReceipt(entry.id) {
          try await state.delete(key)
          continue
        }
        try await move(entry, from: key, to: "failed")
        logger.error("ALERT NOT DELIVERED: outbox entry expired", fields(entry))
        report.failed.append(entry)
        continue
      }
      entry.leaseUntil = now.addingTimeInterval(lease)
      guard
        let version = try await state.put(
          key, JSONCoding.encode(entry, pretty: true), if: .version(record.version))
      else { continue }  // another invocation claimed it first
      // A sender stopped between recording the delivery (or the failure) and removing the pending entry, or a
      // recovery that wrote it again, left both: the receipt wins, nothing is sent again.
      if try await hasReceipt(entry.id) {
        try await state.delete(key)
        continue
      }
      claimed.append((entry, version))
    }
    for (claimedEntry, claimVersion) in claimed {
      var entry = claimedEntry
      let key = "outbox/pending/\(entry.id).json"
      // A local channel (the console) cannot hold the invocation up: it is never cut.
      let local = channels[entry.channel]?.isLocal ?? false
      let left = local ? nil : deadline.map { $0.timeIntervalSince(clock.now) }
      if let left, left <= 0.05 {
        // No time left to try: not an attempt; the lease is dropped so the next run takes it at once.
        entry.leaseUntil = nil
        entry.lastError = "not sent: the invocation's time ran out first; the next run sends it"
        try await release(entry, at: key, claimed: claimVersion, logger: logger)
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
        try await move(entry, from: key, to: "delivered")
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
          try await fallBack(entry, from: key, logger: logger)
          report.failed.append(entry)
          report.handedOn.insert(entry.id)
        case .permanent(let message) where !(entry.fallbacks ?? []).isEmpty:
          entry.lastError = Redactor.shared.redact(message)
          try await fallBack(entry, from: key, logger: logger)
          report.failed.append(entry)
          report.handedOn.insert(entry.id)
        case .retryable(let message):
          entry.lastError = Redactor.shared.redact(message)
          let backoff = min(maxBackoff, baseBackoff * pow(2, Double(entry.attempts - 1)))
          // The vendor's hint wins when it says to wait (Retry-After: 3 is sooner than our 30 s; DingTalk's
          // 10-minute ban is later).
          entry.nextAttemptAt = clock.now.addingTimeInterval(hint.map { max(1, $0) } ?? backoff)
          try await release(entry, at: key, claimed: claimVersion, logger: logger)
          logger.warning(
            "alert delivery failed; kept in the outbox for a retry",
            fields(entry).merging(["retryAt": ISO8601.format(entry.nextAttemptAt)]) { _, new in new })
          report.retrying.append(entry)
        case .throttled:
          break  // turned into .retryable above
        case .permanent(let message):
          entry.lastError = Redactor.shared.redact(message)
          try await move(entry, from: key, to: "failed")
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
  private func fallBack(_ entry: OutboxEntry, from key: String, logger: Logger) async throws {
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
    _ = try await state.createJSON("outbox/pending/\(successor.id).json", successor)
    try await move(entry, from: key, to: "failed")
    logger.warning(
      "alert delivery falls back to the next channel", fields(entry).merging(["next": next]) { _, new in new }
    )
  }

  /// Writes the receipt, then removes the pending entry: stopped in between, the receipt wins at the next claim.
  private func move(_ entry: OutboxEntry, from key: String, to folder: String) async throws {
    try await state.writeJSON("outbox/\(folder)/\(entry.id).json", entry)
    try await state.delete(key)
  }

  /// Stores a claimed entry back as pending (its attempt recorded, its lease dropped), unless another
  /// invocation took it over meanwhile (this one's lease ran out): then that one's record stands.
  private func release(_ entry: OutboxEntry, at key: String, claimed version: StateVersion, logger: Logger)
    async throws
  {
    if try await state.put(key, JSONCoding.encode(entry, pretty: true), if: .version(version)) == nil {
      logger.warning(
        "outbox entry was taken over by another invocation while this one sent it (its lease ran out)",
        fields(entry))
    }
  }

  private func fields(_ entry: OutboxEntry) -> [String: String] {
    var fields = [
      "channel": entry.channel, "outboxId": entry.id, "attempts": String(entry.attempts),
      "notices": String(entry.notification.notices.count),
    ]
    if let error = entry.lastError { fields["error"] = error }
    return fields
  }

  static func stamp(_ date: Instant) -> String {
    let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    return String(millis)
  }
}
