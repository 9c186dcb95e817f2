import VigilCore
import VigilCron

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Turns one invocation's alert candidates into delivered notifications: the policy decides per key (state
/// updated under a lock, so overlapping invocations never both fire), the notices are grouped into one message
/// per channel, written to the outbox, and then everything due in the outbox is sent.
public struct AlertingEngine: Sendable {
  public let policy: AlertPolicy
  public let channels: [String: any Channel]
  let state: any StateStore
  let clock: any WallClock
  let outbox: Outbox

  public init(
    policy: AlertPolicy, channels: [String: any Channel], state: any StateStore, clock: any WallClock,
    environment: [String: String] = [:]
  ) {
    self.policy = policy
    self.channels = channels
    self.state = state
    self.clock = clock
    self.outbox = Outbox(state: state, clock: clock, environment: environment)
  }

  /// What an invocation's alerting did.
  public struct Outcome: Sendable {
    /// The notifications written to the outbox, one per channel.
    public var notifications: [String: AlertNotification]
    public var delivery: Outbox.Report
  }

  /// Evaluates, enqueues and delivers.
  public func process(_ candidates: [AlertCandidate], function: String, requestID: String, logger: Logger)
    async throws -> Outcome
  {
    let now = clock.now
    let intents: [NotificationIntent] = try state.withLock("alerts") {
      var intents: [NotificationIntent] = []
      for candidate in candidates {
        let key = Self.stateKey(candidate.key)
        let previous = try state.readJSON(AlertState.self, key)
        let effective = policy.applying(candidate.hints)
        let (next, due) = PolicyEngine.evaluate(candidate, state: previous, policy: effective, now: now)
        intents += due
        // A healthy key with nothing to remember costs no write (thousands of healthy targets stay cheap).
        let worthKeeping = next.incident != nil || next.failingSince != nil || effective.window > 1
        if worthKeeping && next != previous {
          try state.writeJSON(key, next)
        } else if !worthKeeping && previous != nil {
          try state.delete(key)
        }
      }
      return intents
    }
    var notifications: [String: AlertNotification] = [:]
    for intent in intents {
      let notice = AlertNotification.Notice(
        status: AlertNotification.Notice.Status(rawValue: intent.kind.rawValue) ?? .firing,
        candidate: intent.candidate,
        incidentID: intent.incidentID, since: ISO8601.format(intent.since), step: intent.step)
      for channel in intent.channels {
        notifications[
          channel, default: AlertNotification(function: function, requestID: requestID, notices: [])
        ].notices.append(notice)
      }
    }
    notifications = try applyQuietHours(
      notifications, function: function, requestID: requestID, now: now, logger: logger)
    for (channel, notification) in notifications.sorted(by: { $0.key < $1.key }) {
      if let position = policy.fallback.firstIndex(of: channel) {
        try outbox.enqueue(
          notification, channels: [channel], fallbacks: Array(policy.fallback[(position + 1)...]))
      } else {
        try outbox.enqueue(notification, channels: [channel])
      }
    }
    let report = try await outbox.deliverDue(using: channels, logger: logger)
    return Outcome(notifications: notifications, delivery: report)
  }

  /// During quiet hours notices are held per channel; the first run after them delivers everything held as one
  /// digest (with that run's own notices).
  func applyQuietHours(
    _ notifications: [String: AlertNotification], function: String, requestID: String, now: Date,
    logger: Logger
  ) throws -> [String: AlertNotification] {
    guard policy.quietHours != nil else { return notifications }
    return try state.withLock("alerts-held") {
      if policy.isQuiet(now) {
        for (channel, notification) in notifications {
          let key = "alerts/held/\(Outbox.safe(channel)).json"
          var held = try state.readJSON([AlertNotification.Notice].self, key) ?? []
          held += notification.notices
          try state.writeJSON(key, held)
          logger.info(
            "quiet hours: notices held for the digest", ["channel": channel, "held": String(held.count)])
        }
        return [:]
      }
      var result = notifications
      for key in try state.keys(prefix: "alerts/held/") {
        let channel = String(key.dropFirst("alerts/held/".count).dropLast(".json".count))
        let held = try state.readJSON([AlertNotification.Notice].self, key) ?? []
        var digest =
          result[channel] ?? AlertNotification(function: function, requestID: requestID, notices: [])
        digest.notices = held + digest.notices
        digest.digest = held.count
        result[channel] = digest
        try state.delete(key)
      }
      return result
    }
  }

  static func stateKey(_ alertKey: String) -> String {
    "alerts/state/"
      + alertKey.split(separator: "/").map { part in
        let safe = String(part.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
        return safe.hasPrefix(".") ? "_" + safe : safe
      }.joined(separator: "/") + ".json"
  }
}
