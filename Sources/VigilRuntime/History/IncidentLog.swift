import VigilAlerting
import VigilCore
import VigilCron

/// One incident as history keeps it: when it opened and resolved, what each notice said, and what each channel
/// did with it. Kept for 90 days after it resolves (an open incident stays however old it is).
package struct IncidentRecord: Sendable, Codable, Equatable {
  /// The incident's id, the same in every notice of the outage.
  package var id: String
  /// The alert key (`function/check/target`), the check and the target.
  package var key: String
  package var check: String
  package var target: String
  package var severity: String
  /// Unix seconds: when the outage began, and when it resolved (nil while open).
  package var opened: Int64
  package var resolved: Int64?
  /// The latest notice's summary.
  package var summary: String
  package var timeline: [Event] = []
  package var deliveries: [Delivery] = []

  /// One notice: `[seconds, status, summary]`.
  package struct Event: Sendable, Codable, Equatable {
    package var time: Int64
    package var status: String
    package var summary: String

    package init(time: Int64, status: String, summary: String) {
      self.time = time
      self.status = status
      self.summary = summary
    }

    package init(from decoder: any Decoder) throws {
      var container = try decoder.unkeyedContainer()
      time = try container.decode(Int64.self)
      status = try container.decode(String.self)
      summary = try container.decode(String.self)
    }

    package func encode(to encoder: any Encoder) throws {
      var container = encoder.unkeyedContainer()
      try container.encode(time)
      try container.encode(status)
      try container.encode(summary)
    }
  }

  /// One channel's attempt: `[seconds, channel, "delivered"|"retrying"|"failed", status the notice carried]`.
  package struct Delivery: Sendable, Codable, Equatable {
    package var time: Int64
    package var channel: String
    package var result: String
    package var notice: String

    package init(time: Int64, channel: String, result: String, notice: String) {
      self.time = time
      self.channel = channel
      self.result = result
      self.notice = notice
    }

    package init(from decoder: any Decoder) throws {
      var container = try decoder.unkeyedContainer()
      time = try container.decode(Int64.self)
      channel = try container.decode(String.self)
      result = try container.decode(String.self)
      notice = try container.decode(String.self)
    }

    package func encode(to encoder: any Encoder) throws {
      var container = encoder.unkeyedContainer()
      try container.encode(time)
      try container.encode(channel)
      try container.encode(result)
      try container.encode(notice)
    }
  }
}

/// A function's incidents of the last 90 days (`history/<function>/incidents.json`), newest first.
package struct IncidentLog: Sendable, Codable, Equatable {
  package var incidents: [IncidentRecord] = []
  /// Deliveries per channel and result since the log began (never pruned: `vigil_notifications_total`).
  package var notifications: [String: [String: Int]]?

  package init() {}

  /// Incidents kept per function: past it the oldest resolved ones go first.
  package static let maxIncidents = 200
  /// Notices and deliveries kept per incident (the first ones and the latest: the middle of a long outage goes).
  package static let maxTimeline = 60
  package static let maxDeliveries = 120

  package static func key(function: String) -> String {
    HistoryLayout.prefix(function: function) + "incidents.json"
  }

  /// Takes in what one run's alerting did: the notices it committed and the deliveries it attempted. Pure, so
  /// a retried compare-and-set applies the same run once (an event already there is not added twice).
  package mutating func apply(
    notifications committed: [AlertNotification], delivered: [OutboxEntry], retrying: [OutboxEntry],
    failed: [OutboxEntry], silenced: [(notice: AlertNotification.Notice, silence: String)] = [], now: Instant
  ) {
    let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
    var notifications = self.notifications ?? [:]
    defer { self.notifications = notifications.isEmpty ? nil : notifications }
    for (notice, silence) in silenced {
      let index = self.index(for: notice, at: seconds)
      let event = IncidentRecord.Event(
        time: seconds, status: "silenced",
        summary: String(
          "\(notice.status.rawValue) held back by silence \(silence): \(notice.candidate.summary)".prefix(300)
        ))
      if !incidents[index].timeline.contains(event) {
        incidents[index].timeline.append(event)
        Self.trim(&incidents[index].timeline, to: Self.maxTimeline)
      }
      if incidents[index].summary.isEmpty {
        incidents[index].summary = String(notice.candidate.summary.prefix(300))
      }
    }
    for notification in committed {
      for notice in notification.notices {
        let summary = String(notice.candidate.summary.prefix(300))
        let index = self.index(for: notice, at: seconds)
        // An acknowledgement's event says who has it (the status page's incident timeline shows it).
        let said =
          notice.status == .acknowledged
          ? String((notice.acknowledgement?.describe(at: now) ?? summary).prefix(300)) : summary
        let event = IncidentRecord.Event(time: seconds, status: notice.status.rawValue, summary: said)
        if !incidents[index].timeline.contains(event) {
          incidents[index].timeline.append(event)
          Self.trim(&incidents[index].timeline, to: Self.maxTimeline)
        }
        incidents[index].summary = summary
        if notice.status == .resolved { incidents[index].resolved = seconds }
      }
    }
    for (entries, result) in [(delivered, "delivered"), (retrying, "retrying"), (failed, "failed")] {
      for entry in entries {
        notifications[entry.channel, default: [:]][result, default: 0] += 1
        for notice in entry.notification.notices {
          guard let index = incidents.firstIndex(where: { $0.id == notice.incidentID }) else { continue }
          let delivery = IncidentRecord.Delivery(
            time: seconds, channel: entry.channel, result: result, notice: notice.status.rawValue)
          guard !incidents[index].deliveries.contains(delivery) else { continue }
          incidents[index].deliveries.append(delivery)
          Self.trim(&incidents[index].deliveries, to: Self.maxDeliveries)
        }
      }
    }
    prune(now: now)
  }

  /// Removes incidents resolved more than 90 days ago, then the oldest resolved ones past the cap.
  package mutating func prune(now: Instant) {
    let horizon = now.timeIntervalSince1970 - HistoryLayout.summaryRetention
    incidents.removeAll { incident in incident.resolved.map { Double($0) < horizon } ?? false }
    incidents.sort { ($0.opened, $0.id) > ($1.opened, $1.id) }
    while incidents.count > Self.maxIncidents {
      guard let oldestResolved = incidents.lastIndex(where: { $0.resolved != nil }) else { break }
      incidents.remove(at: oldestResolved)
    }
  }

  /// The incident a notice belongs to, opened from the notice when it is new.
  private mutating func index(for notice: AlertNotification.Notice, at seconds: Int64) -> Int {
    if let index = incidents.firstIndex(where: { $0.id == notice.incidentID }) { return index }
    let opened = ISO8601.parse(notice.since).map { Int64($0.date(in: .utc).timeIntervalSince1970) } ?? seconds
    incidents.append(
      IncidentRecord(
        id: notice.incidentID, key: notice.candidate.key, check: notice.candidate.check,
        target: notice.candidate.target, severity: notice.candidate.severity.rawValue, opened: opened,
        resolved: nil, summary: ""))
    return incidents.count - 1
  }

  /// Keeps the first half and the latest of `list` within `limit`: how it began and how it is going.
  private static func trim<Element>(_ list: inout [Element], to limit: Int) {
    guard list.count > limit else { return }
    list.remove(at: limit / 2)
  }
}

/// Writes and reads a function's incident log in the state store: one compare-and-set per run that had notices
/// or deliveries, none for a quiet run.
package struct IncidentRecorder: Sendable {
  package let state: any StateStore

  package init(state: any StateStore) { self.state = state }

  package func record(_ outcome: AlertingEngine.Outcome, function: String, now: Instant) async throws {
    let delivery = outcome.delivery
    let notifications = Array(outcome.notifications.values)
    guard
      !notifications.isEmpty || !delivery.delivered.isEmpty || !delivery.retrying.isEmpty
        || !delivery.failed.isEmpty || !outcome.silenced.isEmpty
    else { return }
    try await state.updateJSON(IncidentLog.self, IncidentLog.key(function: function), pretty: false) { log in
      var value = log ?? IncidentLog()
      value.apply(
        notifications: notifications, delivered: delivery.delivered, retrying: delivery.retrying,
        failed: delivery.failed, silenced: outcome.silenced, now: now)
      log = value
    }
  }

  package func incidents(function: String) async throws -> [IncidentRecord] {
    try await state.readJSON(IncidentLog.self, IncidentLog.key(function: function))?.incidents ?? []
  }
}
