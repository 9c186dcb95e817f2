import VigilCore
import VigilCron

/// What is remembered about one alert key between invocations.
package struct AlertState: Sendable, Codable, Hashable {
  /// One observation.
  package struct Sample: Sendable, Codable, Hashable {
    package var at: Instant
    package var healthy: Bool
    package var value: Double?
  }

  /// An open outage.
  package struct Incident: Sendable, Codable, Hashable {
    /// Stays the same for the whole outage: in every reminder and in the resolve.
    package var id: String
    /// When the first failing sample of the outage was seen.
    package var startedAt: Instant
    /// Escalation steps already notified (the initial notification counts as one when there is no escalation).
    package var stepsNotified: Int
    package var lastNotifiedAt: Instant?
    /// Someone has it (`vigil ack`, a signed link); kept after it ends so later notices say it ended.
    package var acknowledgement: Acknowledgement?
    /// The silence holding its notices back, once one has (so it is recorded once, not every run).
    package var silencedBy: String?
  }

  package var samples: [Sample] = []
  /// Start of the current run of failing samples.
  package var failingSince: Instant?
  package var incident: Incident?
  /// True while the key is flapping (notifications paused).
  package var flapping: Bool?

  package init() {}
}

/// One notification the policy asks for.
package struct NotificationIntent: Sendable, Hashable {
  package enum Kind: String, Sendable, Hashable, Codable {
    case firing, reminder, resolved, flapping, stable, acknowledged
  }
  package var kind: Kind
  package var candidate: AlertCandidate
  package var incidentID: String
  package var since: Instant
  /// The escalation step (1-based) this notification is, when it is one.
  package var step: Int?
  package var channels: [String]
  /// The incident's acknowledgement, when it has one (the notice says who has it, or that it ended).
  package var acknowledgement: Acknowledgement?
}

/// Applies an `AlertPolicy` to one new observation: pure, so every rule is tested with made-up times.
package enum PolicyEngine {
  /// The new state and the notifications due for `candidate` observed at `now`.
  package static func evaluate(
    _ candidate: AlertCandidate, state previous: AlertState?, policy: AlertPolicy, now: Instant
  ) -> (state: AlertState, intents: [NotificationIntent]) {
    // Ignored hours: the sample is not even evaluated.
    if policy.ignores(now) { return (previous ?? AlertState(), []) }
    var result = evaluateSample(candidate, state: previous, policy: policy, now: now)
    if policy.inMaintenance(now) {
      // Maintenance: firing and reminders are suppressed (and not counted as sent, so an outage that outlives
      // the window is notified after it); resolves still go out.
      result = suppress(result, keeping: [.resolved], previous: previous)
    }
    result = applyAcknowledgement(result, candidate: candidate, previous: previous, policy: policy, now: now)
    guard let flap = policy.flap else { return result }
    let recent = result.state.samples.suffix(flap.window)
    let changes = zip(recent, recent.dropFirst()).filter { $0.healthy != $1.healthy }.count
    let wasFlapping = previous?.flapping == true
    if !wasFlapping && changes >= flap.changes {
      var paused = suppress(result, keeping: [], previous: previous)
      paused.state.flapping = true
      let notice = NotificationIntent(
        kind: .flapping, candidate: candidate, incidentID: incidentID(key: candidate.key, startedAt: now),
        since: now, step: nil,
        channels: allChannels(policy))
      paused.intents = [notice]
      return paused
    }
    if wasFlapping && changes <= flap.changes / 2 {
      result.state.flapping = nil
      let notice = NotificationIntent(
        kind: .stable, candidate: candidate, incidentID: incidentID(key: candidate.key, startedAt: now),
        since: now, step: nil,
        channels: allChannels(policy))
      result.intents.insert(notice, at: 0)
      return result
    }
    if wasFlapping {
      var paused = suppress(result, keeping: [], previous: previous)
      paused.state.flapping = true
      return paused
    }
    return result
  }

  /// An acknowledged incident: its firing steps and reminders are held back while the acknowledgement holds
  /// (and not counted as sent); the first run after it was given tells every channel the incident has once,
  /// with who has it. Every notice of the incident carries the acknowledgement.
  static func applyAcknowledgement(
    _ result: (state: AlertState, intents: [NotificationIntent]), candidate: AlertCandidate,
    previous: AlertState?, policy: AlertPolicy, now: Instant
  ) -> (state: AlertState, intents: [NotificationIntent]) {
    // A resolve carries the acknowledgement of the incident it closes.
    guard let ack = result.state.incident?.acknowledgement ?? previous?.incident?.acknowledgement,
      result.state.incident != nil || result.intents.contains(where: { $0.kind == .resolved })
    else { return result }
    var result = result
    if ack.holds(at: now), result.state.incident != nil {
      result = suppress(result, keeping: [.resolved], previous: previous)
    }
    if !ack.announced, ack.holds(at: now), var incident = result.state.incident {
      incident.acknowledgement?.announced = true
      result.state.incident = incident
      result.intents.insert(
        NotificationIntent(
          kind: .acknowledged, candidate: candidate,
          incidentID: incident.id, since: incident.startedAt, step: nil, channels: allChannels(policy)),
        at: 0)
    }
    for index in result.intents.indices { result.intents[index].acknowledgement = ack }
    return result
  }

  /// Drops the intents not in `keeping`, and undoes their bookkeeping so they are sent once that is possible.
  static func suppress(
    _ result: (state: AlertState, intents: [NotificationIntent]), keeping: Set<NotificationIntent.Kind>,
    previous: AlertState?
  ) -> (state: AlertState, intents: [NotificationIntent]) {
    guard result.intents.contains(where: { !keeping.contains($0.kind) }) else { return result }
    var state = result.state
    if var incident = state.incident {
      incident.stepsNotified = previous?.incident?.stepsNotified ?? 0
      incident.lastNotifiedAt = previous?.incident?.lastNotifiedAt
      state.incident = incident
    }
    if !keeping.contains(.resolved), result.intents.contains(where: { $0.kind == .resolved }),
      let open = previous?.incident
    {
      state.incident = open  // a resolve that could not be said keeps the incident open until it can
    }
    return (state, result.intents.filter { keeping.contains($0.kind) })
  }

  static func evaluateSample(
    _ candidate: AlertCandidate, state previous: AlertState?, policy: AlertPolicy, now: Instant
  ) -> (state: AlertState, intents: [NotificationIntent]) {
    var state = previous ?? AlertState()
    let healthy = sampleIsHealthy(candidate, policy: policy, history: state.samples)
    state.samples.append(.init(at: now, healthy: healthy, value: candidate.value))
    if state.samples.count > policy.window { state.samples.removeFirst(state.samples.count - policy.window) }
    if healthy {
      state.failingSince = nil
    } else if state.failingSince == nil {
      state.failingSince = min(candidate.since ?? now, now)
    }
    var intents: [NotificationIntent] = []

    if var incident = state.incident {
      let recovered =
        state.samples.suffix(policy.recoverAfter).count == policy.recoverAfter
        && state.samples.suffix(policy.recoverAfter).allSatisfy(\.healthy)
      if recovered {
        if policy.sendResolved && incident.lastNotifiedAt != nil {
          intents.append(
            .init(
              kind: .resolved, candidate: candidate, incidentID: incident.id, since: incident.startedAt,
              step: nil, channels: allChannels(policy)))
        }
        state.incident = nil
        return (state, intents)
      }
      if let due = dueStep(policy, incident: incident, now: now) {
        intents.append(
          .init(
            kind: .firing, candidate: candidate, incidentID: incident.id, since: incident.startedAt,
            step: policy.escalation.isEmpty ? nil : due.number, channels: due.channels))
        incident.stepsNotified = due.number
        incident.lastNotifiedAt = now
      } else if let every = policy.repeatEvery, let last = incident.lastNotifiedAt,
        now.timeIntervalSince(last) >= every,
        incident.stepsNotified >= max(1, policy.escalation.count)
      {
        intents.append(
          .init(
            kind: .reminder, candidate: candidate, incidentID: incident.id, since: incident.startedAt,
            step: nil, channels: policy.channels))
        incident.lastNotifiedAt = now
      }
      state.incident = incident
      return (state, intents)
    }

    guard triggered(policy, samples: state.samples), let since = state.failingSince ?? state.samples.last?.at
    else {
      return (state, intents)
    }
    var incident = AlertState.Incident(
      id: incidentID(key: candidate.key, startedAt: since), startedAt: since, stepsNotified: 0,
      lastNotifiedAt: nil)
    if let due = dueStep(policy, incident: incident, now: now) {
      intents.append(
        .init(
          kind: .firing, candidate: candidate, incidentID: incident.id, since: since,
          step: policy.escalation.isEmpty ? nil : due.number, channels: due.channels))
      incident.stepsNotified = due.number
      incident.lastNotifiedAt = now
    }
    state.incident = incident
    return (state, intents)
  }

  /// Whether this observation counts as a failure under the policy.
  static func sampleIsHealthy(_ candidate: AlertCandidate, policy: AlertPolicy, history: [AlertState.Sample])
    -> Bool
  {
    guard case .movingAverage(let count, let threshold) = policy.trigger else { return candidate.healthy }
    guard let value = candidate.value else { return candidate.healthy }
    let values = (history.suffix(count - 1).compactMap(\.value) + [value])
    guard values.count == count else { return true }  // not enough readings yet
    return values.reduce(0, +) / Double(count) <= threshold
  }

  static func triggered(_ policy: AlertPolicy, samples: [AlertState.Sample]) -> Bool {
    switch policy.trigger {
    case .consecutive(let n):
      return samples.count >= n && samples.suffix(n).allSatisfy { !$0.healthy }
    case .nOfM(let n, let m):
      return samples.suffix(m).filter { !$0.healthy }.count >= n
    case .movingAverage:
      return samples.last?.healthy == false
    }
  }

  /// The latest escalation step that is due and not yet sent (older due steps are folded into it).
  static func dueStep(_ policy: AlertPolicy, incident: AlertState.Incident, now: Instant) -> (
    number: Int, channels: [String]
  )? {
    if policy.escalation.isEmpty {
      return incident.stepsNotified == 0 ? (1, policy.channels) : nil
    }
    let elapsed = now.timeIntervalSince(incident.startedAt)
    let due = policy.escalation.enumerated().filter { $0.element.offset <= elapsed + 0.5 }.map(\.offset).last
    guard let index = due, index + 1 > incident.stepsNotified else { return nil }
    return (index + 1, policy.escalation[index].channels ?? policy.channels)
  }

  static func allChannels(_ policy: AlertPolicy) -> [String] {
    var channels = policy.channels
    for step in policy.escalation {
      for channel in step.channels ?? [] where !channels.contains(channel) { channels.append(channel) }
    }
    return channels
  }

  /// A stable id for one outage of one key: `inc-<start>-<hash>`.
  package static func incidentID(key: String, startedAt: Instant) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let stamp = Int64(startedAt.timeIntervalSince1970)
    return "inc-\(stamp)-\(String(hash & 0xFF_FFFF, radix: 16))"
  }
}
