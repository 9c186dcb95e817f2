import VigilCore
import VigilCron

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The interim alerting path until the policy engine lands: an alert fires when a target turns unhealthy and
/// resolves when it recovers (never once per run), grouped into one message per invocation, recorded in the
/// state folder, and delivered to every channel.
public struct AlertRouter: Sendable {
  let channels: [any Channel]
  let state: any StateStore
  let clock: any WallClock

  public init(channels: [any Channel], state: any StateStore, clock: any WallClock) {
    self.channels = channels
    self.state = state
    self.clock = clock
  }

  /// The stored status of one alert key.
  struct AlertStatus: Codable {
    var healthy: Bool
    var since: String
    var incidentID: String?
    var lastSummary: String
  }

  /// Records the candidates, works out state changes, and delivers them. Returns the notification sent, if any.
  @discardableResult
  public func route(_ candidates: [AlertCandidate], function: String, requestID: String, logger: Logger)
    async throws -> AlertNotification?
  {
    guard !candidates.isEmpty else { return nil }
    let now = ISO8601.format(clock.now)
    let notices: [AlertNotification.Notice] = try state.withLock("alerts") {
      var notices: [AlertNotification.Notice] = []
      for candidate in candidates {
        let key = Self.stateKey(candidate.key)
        let previous = try state.readJSON(AlertStatus.self, key)
        // State is written only when the status changes: a healthy target seen again costs no write.
        if !candidate.healthy && (previous == nil || previous?.healthy == true) {
          let next = AlertStatus(
            healthy: false, since: now, incidentID: Self.incidentID(key: candidate.key, at: clock.now),
            lastSummary: candidate.summary)
          notices.append(
            .init(status: .firing, candidate: candidate, incidentID: next.incidentID ?? "", since: now))
          try state.writeJSON(key, next)
        } else if candidate.healthy, let previous, !previous.healthy {
          notices.append(
            .init(
              status: .resolved, candidate: candidate, incidentID: previous.incidentID ?? "",
              since: previous.since))
          try state.writeJSON(
            key, AlertStatus(healthy: true, since: now, incidentID: nil, lastSummary: candidate.summary))
        }
      }
      return notices
    }
    guard !notices.isEmpty else { return nil }
    let notification = AlertNotification(function: function, requestID: requestID, notices: notices)
    try state.writeJSON("alerts/history/\(Self.compactTimestamp(clock.now))-\(requestID).json", notification)
    for channel in channels {
      do {
        try await channel.deliver(notification)
      } catch {
        logger.error(
          "alert delivery failed; the notification is kept in the state folder",
          ["channel": channel.name, "error": error.description])
      }
    }
    return notification
  }

  static func stateKey(_ alertKey: String) -> String {
    "alerts/status/"
      + String(alertKey.map { $0.isLetter || $0.isNumber || "-_./".contains($0) ? $0 : "_" })
      .split(separator: "/").map { $0.hasPrefix(".") ? "_" + $0 : String($0) }.joined(separator: "/")
      + ".json"
  }

  static func incidentID(key: String, at date: Date) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let stamp = compactTimestamp(date)
    return "inc-\(stamp)-\(String(hash % 0xFFFFFF, radix: 16))"
  }

  static func compactTimestamp(_ date: Date) -> String {
    ISO8601.format(date).filter { $0.isNumber }.prefix(14).description
  }
}
