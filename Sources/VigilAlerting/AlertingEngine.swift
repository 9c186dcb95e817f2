import VigilCore
import VigilCron

/// Turns one invocation's alert candidates into delivered notifications: the policy decides per key, the
/// notices are grouped into one message per channel, the new policy states and those messages are committed
/// in one compare-and-set of the function's `AlertLedger` (so overlapping invocations, on one machine or many,
/// never both fire), copied into the outbox, and then everything due in the outbox is sent.
///
/// Every write is ordered so that a kill -9 between any two of them leaves a retry, never a loss: nothing says
/// "notified" before the notice is durable, and the outbox copy is idempotent.
package struct AlertingEngine: Sendable {
  package let policy: AlertPolicy
  package let channels: [String: any Channel]
  /// `custom.vigil.routes`, when they apply to this function (it does not name its own channels).
  package let routes: AlertRoutes
  /// The function's labels, which routes match on.
  package let labels: [String: String]
  /// Targets with their own alerting keys or labels.
  package let targets: Targets
  /// Signed acknowledgement links put in firing notices, when the project sets them up.
  package let ackLinks: AckLinks?

  /// What some targets of the function set for themselves.
  package struct Targets: Sendable {
    /// A target's policy: the function's with the target's own keys over it.
    package var policies: [String: AlertPolicy] = [:]
    /// A target's labels, over the function's.
    package var labels: [String: [String: String]] = [:]
    /// Targets that name their own channels: not routed.
    package var unrouted: Set<String> = []

    package init(
      policies: [String: AlertPolicy] = [:], labels: [String: [String: String]] = [:],
      unrouted: Set<String> = []
    ) {
      self.policies = policies
      self.labels = labels
      self.unrouted = unrouted
    }
  }
  let state: any StateStore
  let clock: any WallClock
  let outbox: Outbox

  package init(
    policy: AlertPolicy, channels: [String: any Channel], state: any StateStore, clock: any WallClock,
    environment: [String: String] = [:], routes: AlertRoutes = AlertRoutes(), ackLinks: AckLinks? = nil,
    labels: [String: String] = [:], targets: Targets = Targets()
  ) {
    self.targets = targets
    self.ackLinks = ackLinks
    self.policy = policy
    self.channels = channels
    self.routes = routes
    self.labels = labels
    self.state = state
    self.clock = clock
    self.outbox = Outbox(state: state, clock: clock, environment: environment)
  }

  /// What an invocation's alerting did.
  package struct Outcome: Sendable {
    /// The notifications committed to the outbox, one per channel.
    package var notifications: [String: AlertNotification] = [:]
    package var delivery = Outbox.Report()
    /// What went wrong, one line each (an empty list: every alert is recorded and nothing failed to send).
    /// Non-empty means the invocation must fail loudly.
    package var problems: [String] = []
    /// Notifications that may not reach their channels because of those problems: printed to the console.
    package var unsent: [AlertNotification] = []
    /// Notices a silence held back for the first time in their incident, with the silence's id: recorded
    /// in the incident's history, not sent.
    package var silenced: [(notice: AlertNotification.Notice, silence: String)] = []

    package init(problems: [String] = []) { self.problems = problems }
  }

  /// Evaluates, commits and delivers. Never throws: a failure is in `problems`, and what it may cost in
  /// `unsent`.
  package func process(
    _ candidates: [AlertCandidate], function: String, requestID: String, logger: Logger,
    until deadline: Instant? = nil
  ) async -> Outcome {
    var outcome = Outcome()
    let now = clock.now
    let ledgerKey = AlertLedger.key(function: function)
    var committed: [OutboxEntry] = []
    do {
      committed = try await commit(
        candidates, function: function, requestID: requestID, ledgerKey: ledgerKey, now: now, logger: logger,
        outcome: &outcome)
    } catch let error as AlertingStepError {
      outcome.problems.append(error.message)
      outcome.unsent += error.notifications
    } catch {
      outcome.problems.append("ALERT STATE NOT RECORDED: \(error)")
      let firing = candidates.filter { !$0.healthy }
      outcome.unsent +=
        outcome.notifications.isEmpty
        ? (firing.isEmpty ? [] : [Self.unjudged(firing, now: now)])
        : outcome.notifications.keys.sorted().compactMap { outcome.notifications[$0] }
    }
    do {
      outcome.delivery = try await outbox.deliverDue(using: channels, logger: logger, until: deadline)
    } catch {
      outcome.problems.append(
        Self.unavailable(error) + "ALERTS NOT SENT: the outbox cannot be read or updated: \(error)")
      if !committed.isEmpty { outcome.unsent += committed.map(\.notification) }
    }
    let undelivered =
      outcome.delivery.retrying
      + outcome.delivery.failed.filter { entry in
        // An entry handed on to the next channel of its fallback chain is not lost.
        !outcome.delivery.handedOn.contains(entry.id)
      }
    for entry in undelivered {
      outcome.problems.append(
        "ALERT NOT DELIVERED on channel '\(entry.channel)' (\(entry.attempts) attempt\(entry.attempts == 1 ? "" : "s")): \(entry.lastError ?? "unknown error")"
      )
      outcome.unsent.append(entry.notification)
    }
    return outcome
  }

  /// Judges the candidates against the function's ledger and commits the new states with the notices they
  /// imply in one compare-and-set of the ledger; when another invocation changed the ledger in between, judges
  /// again on what it stored (so two invocations never both fire one alert). Then copies the committed entries
  /// into the outbox (create-only, so a repeat never duplicates) and clears them from the ledger.
  func commit(
    _ candidates: [AlertCandidate], function: String, requestID: String, ledgerKey: String, now: Instant,
    logger: Logger, outcome: inout Outcome
  ) async throws(AlertingStepError) -> [OutboxEntry] {
    var attempt = 0
    // Read once, and only when some notice is due: a run with nothing to say costs no request for them.
    var silences: SilenceBook?
    while true {
      attempt += 1
      var problems: [String] = []
      var silenced: [(notice: AlertNotification.Notice, silence: String)] = []
      var (ledger, condition) = try await load(
        ledgerKey, candidates: candidates, problems: &problems, logger: logger, now: now)
      let stored = ledger
      // A ledger that had unreadable keys is rewritten without them even when nothing else changed.
      let rewrite = !problems.isEmpty
      // Entries an interrupted invocation committed but did not copy into the outbox: copy them first.
      if !ledger.outbound.isEmpty {
        let recovered = ledger.outbound
        try await step("ALERT STATE NOT RECORDED", notifications: recovered.map(\.notification)) {
          try await outbox.materialize(recovered)
        }
        logger.warning(
          "recovered alerts committed by an interrupted invocation", ["entries": String(recovered.count)])
        ledger.outbound = []
      }
      var intents: [NotificationIntent] = []
      for candidate in candidates {
        let previous = ledger.keys[candidate.key]
        var effective = (targets.policies[candidate.target] ?? policy).applying(candidate.hints)
        // The routes decide this alert's default channels (a step that names its own still sends there). Without
        // routes nothing is done per alert: a function of thousands of targets builds no label set per target.
        if !routes.routes.isEmpty, !targets.unrouted.contains(candidate.target),
          let routed = routes.channels(
            function: function, target: candidate.target, severity: candidate.severity,
            labels: labels(of: candidate.target))
        {
          effective.channels = routed
        }
        var (next, due) = PolicyEngine.evaluate(candidate, state: previous, policy: effective, now: now)
        if routes.routesByStatus, !due.isEmpty, !targets.unrouted.contains(candidate.target) {
          routeByStatus(&due, candidate: candidate, function: function, policy: effective)
        }
        if due.contains(where: { !Self.sentThroughSilences.contains($0.kind) }) {
          if silences == nil { silences = await readSilences(problems: &problems) }
          if let silence = silences?.silencing(candidate, labels: labels(of: candidate.target), at: now) {
            let kept = PolicyEngine.suppress(
              (next, due), keeping: Self.sentThroughSilences, previous: previous)
            if var incident = kept.state.incident, incident.silencedBy != silence.id {
              // The first notice this silence holds back for the incident: recorded, and logged.
              incident.silencedBy = silence.id
              next = kept.state
              next.incident = incident
              for intent in due where !Self.sentThroughSilences.contains(intent.kind) {
                silenced.append((notice(intent, function: function, now: now), silence.id))
              }
            } else {
              next = kept.state
            }
            due = kept.intents
          } else if due.contains(where: { $0.kind == .firing || $0.kind == .reminder }) {
            next.incident?.silencedBy = nil
          }
        }
        intents += due
        // A healthy key with nothing to remember is not kept (thousands of healthy targets stay small).
        let worthKeeping = next.incident != nil || next.failingSince != nil || effective.window > 1
        ledger.keys[candidate.key] = worthKeeping ? next : nil
      }
      let notifications = applyQuietHours(
        group(intents, function: function, requestID: requestID, now: now), ledger: &ledger,
        function: function,
        requestID: requestID, now: now, logger: logger)
      var entries: [OutboxEntry] = []
      for (channel, notification) in notifications.sorted(by: { $0.key < $1.key }) {
        let fallbacks = policy.fallback.firstIndex(of: channel).map { Array(policy.fallback[($0 + 1)...]) }
        entries += outbox.entries(for: notification, channels: [channel], fallbacks: fallbacks)
      }
      ledger.outbound = entries
      guard ledger != stored || rewrite else {
        outcome.problems += problems
        outcome.silenced = silenced
        return []
      }
      // The commit: new states, held notices and the notices due, in one atomic conditional write.
      let encoded = try await step("ALERT STATE NOT RECORDED", notifications: Array(notifications.values)) {
        try JSONCoding.encode(ledger, pretty: true)
      }
      let version = try await step("ALERT STATE NOT RECORDED", notifications: Array(notifications.values)) {
        try await state.put(ledgerKey, encoded, if: condition)
      }
      guard let version else {
        // Another invocation committed first: judge again on what it stored.
        if attempt >= StateContention.attempts {
          throw AlertingStepError(
            message:
              "ALERT STATE NOT RECORDED: other invocations changed \(state.location(ledgerKey)) \(attempt) times in a row; too many invocations of '\(function)' at once",
            notifications: Array(notifications.values))
        }
        await StateContention.pause(before: attempt)
        continue
      }
      condition = .version(version)
      outcome.problems += problems
      outcome.notifications = notifications
      outcome.silenced = silenced
      for (notice, silence) in silenced {
        logger.info(
          "notice silenced (recorded, not sent)",
          ["silence": silence, "incident": notice.incidentID, "key": notice.candidate.key])
      }
      guard !entries.isEmpty else { return [] }
      try await step(
        "ALERTS NOT QUEUED (committed; the next run queues them)", notifications: Array(notifications.values)
      ) {
        try await outbox.materialize(entries)
      }
      ledger.outbound = []
      // Only a kept copy of entries already in the outbox: if this write fails or loses to another writer
      // (which then found them and copied them again, idempotently), nothing is lost.
      try await step("ALERT STATE NOT RECORDED", notifications: []) {
        _ = try await state.put(ledgerKey, JSONCoding.encode(ledger, pretty: true), if: condition)
      }
      return entries
    }
  }

  /// Each notice to the channels the routes give its status (the routes without a status condition already
  /// set the policy's channels). A step that names its own channels keeps them; a notice that goes to every
  /// channel of the policy (resolved, flapping, stable, acknowledged) still reaches the steps' own channels.
  func routeByStatus(
    _ due: inout [NotificationIntent], candidate: AlertCandidate, function: String, policy: AlertPolicy
  ) {
    let labels = labels(of: candidate.target)
    for index in due.indices {
      let intent = due[index]
      if let step = intent.step, policy.escalation.indices.contains(step - 1),
        policy.escalation[step - 1].channels != nil
      {
        continue
      }
      guard
        var channels = routes.channels(
          function: function, target: candidate.target, severity: candidate.severity, labels: labels,
          status: intent.kind.rawValue)
      else { continue }
      if intent.kind != .firing && intent.kind != .reminder {
        for step in policy.escalation {
          for channel in step.channels ?? [] where !channels.contains(channel) { channels.append(channel) }
        }
      }
      due[index].channels = channels
    }
  }

  /// A target's labels over the function's: what routes and silences match on.
  func labels(of target: String) -> [String: String] {
    labels.merging(targets.labels[target] ?? [:]) { _, own in own }
  }

  /// What a silence does not hold back: the all-clear and who has it are not pages.
  static let sentThroughSilences: Set<NotificationIntent.Kind> = [.resolved, .acknowledged]

  /// The silences; when they cannot be read the notices go out unsilenced and the run says so (a missed
  /// silence wakes someone; a missed alert is worse).
  func readSilences(problems: inout [String]) async -> SilenceBook {
    do {
      return try await state.readJSON(SilenceBook.self, SilenceBook.key) ?? SilenceBook()
    } catch {
      problems.append("SILENCES NOT READ (notices sent unsilenced): \(error)")
      return SilenceBook()
    }
  }

  /// Reads the function's ledger; a first run takes over the per-key files earlier versions wrote. A ledger
  /// that cannot be decoded is moved aside and its keys start fresh; one key that cannot be decoded starts fresh
  /// alone. Either is added to `problems` (the invocation fails loudly once, naming the file).
  func load(
    _ key: String, candidates: [AlertCandidate], problems: inout [String], logger: Logger, now: Instant
  ) async throws(AlertingStepError) -> (AlertLedger, StateCondition) {
    let firing = candidates.filter { !$0.healthy }
    let loaded: AlertLedger?
    var condition = StateCondition.absent
    do {
      let record = try await state.get(key)
      condition = .unchanged(since: record)
      loaded = try record.map { try state.decodeRecord(AlertLedger.self, $0.data, key: key) }
    } catch let corrupt as StateError where corrupt.isCorrupt {
      let aside: String
      do {
        guard let data = try await state.read(key) else {
          throw StateError("\(state.location(key)) vanished")
        }
        aside = try await state.setAside(key, data, now: now, reason: corrupt.message, logger: logger)
        condition = .absent
      } catch {
        throw AlertingStepError(
          message: "ALERT STATE NOT READ: \(corrupt.message), and it cannot be moved aside: \(error)",
          notifications: firing.isEmpty ? [] : [Self.unjudged(firing, now: now)])
      }
      problems.append(
        "ALERT STATE CORRUPT: \(corrupt.message); moved to \(aside); every alert of this function starts fresh (open incidents alert again)"
      )
      loaded = nil
    } catch {
      throw AlertingStepError(
        message: Self.unavailable(error) + "ALERT STATE NOT READ: \(error)",
        notifications: firing.isEmpty ? [] : [Self.unjudged(firing, now: now)])
    }
    if var loaded {
      for unreadable in loaded.unreadableKeys {
        problems.append(
          "ALERT STATE CORRUPT: the state of '\(unreadable)' in \(state.location(key)) cannot be decoded; that alert starts fresh"
        )
      }
      loaded.unreadableKeys = []
      return (loaded, condition)
    }
    var ledger = AlertLedger()
    // One listing, then only the files that exist: a first run costs one request, not one per target.
    let legacyKeys = Set((try? await state.keys(prefix: "alerts/state/")) ?? [])
    for candidate in candidates where legacyKeys.contains(AlertLedger.legacyKey(candidate.key)) {
      let legacy = AlertLedger.legacyKey(candidate.key)
      if let old = try? await state.readJSON(AlertState.self, legacy) { ledger.keys[candidate.key] = old }
    }
    return (ledger, condition)
  }

  /// Runs one write of the commit sequence; its failure names the step and carries what it may cost.
  private func step<T>(
    _ label: String, notifications: [AlertNotification], _ body: () async throws -> T
  ) async throws(AlertingStepError) -> T {
    do {
      return try await body()
    } catch {
      throw AlertingStepError(
        message: Self.unavailable(error) + "\(label): \(error)", notifications: notifications)
    }
  }

  /// One notification per channel from the policy's intents.
  func group(_ intents: [NotificationIntent], function: String, requestID: String, now: Instant) -> [String:
    AlertNotification]
  {
    var notifications: [String: AlertNotification] = [:]
    for intent in intents {
      let notice = notice(intent, function: function, now: now)
      for channel in intent.channels {
        notifications[
          channel, default: AlertNotification(function: function, requestID: requestID, notices: [])
        ].notices.append(notice)
      }
    }
    return notifications
  }

  /// The notice for one intent.
  func notice(_ intent: NotificationIntent, function: String, now: Instant) -> AlertNotification.Notice {
    // A link to acknowledge goes with what pages: a firing step or a reminder of an incident nobody has.
    let wantsLink =
      (intent.kind == .firing || intent.kind == .reminder) && intent.acknowledgement?.holds(at: now) != true
    return AlertNotification.Notice(
      status: AlertNotification.Notice.Status(rawValue: intent.kind.rawValue) ?? .firing,
      candidate: intent.candidate,
      incidentID: intent.incidentID, since: ISO8601.format(intent.since), step: intent.step,
      acknowledgement: intent.acknowledgement,
      ackURL: wantsLink ? ackLinks?.link(incident: intent.incidentID, now: now) : nil)
  }

  /// During quiet hours notices are held per channel in the ledger; the first run after them delivers
  /// everything held as one digest (with that run's own notices). Held and released in the same commit as the
  /// policy states, so a kill never loses or repeats a digest.
  func applyQuietHours(
    _ notifications: [String: AlertNotification], ledger: inout AlertLedger, function: String,
    requestID: String, now: Instant, logger: Logger
  ) -> [String: AlertNotification] {
    guard policy.quietHours != nil else { return notifications }
    if policy.isQuiet(now) {
      for (channel, notification) in notifications {
        ledger.held[channel, default: []] += notification.notices
        logger.info(
          "quiet hours: notices held for the digest",
          ["channel": channel, "held": String(ledger.held[channel]?.count ?? 0)])
      }
      return [:]
    }
    var result = notifications
    for (channel, held) in ledger.held where !held.isEmpty {
      var digest = result[channel] ?? AlertNotification(function: function, requestID: requestID, notices: [])
      digest.notices = held + digest.notices
      digest.digest = held.count
      result[channel] = digest
    }
    ledger.held = [:]
    return result
  }

  /// "STATE UNAVAILABLE: " when `error` is a store that cannot be reached, so the failure says so first.
  static func unavailable(_ error: any Error) -> String {
    (error as? StateError)?.kind == .unavailable ? "STATE UNAVAILABLE: " : ""
  }

  /// The failing candidates as plain firing notices, for the console when the policy could not judge them.
  static func unjudged(_ firing: [AlertCandidate], now: Instant) -> AlertNotification {
    AlertNotification(
      function: firing.first?.function ?? "", requestID: "unrecorded",
      notices: firing.map {
        AlertNotification.Notice(
          status: .firing, candidate: $0, incidentID: "unrecorded", since: ISO8601.format(now))
      })
  }
}

/// A failed step of the alerting commit: its one-line message, and the notifications it may keep from their
/// channels.
struct AlertingStepError: Error {
  var message: String
  var notifications: [AlertNotification]
}
