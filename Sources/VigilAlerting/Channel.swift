import VigilCore
import VigilCron

/// A place alerts are delivered to (console, e-mail, WeCom…). One type per file under `Channels/`.
package protocol Channel: Sendable {
  /// The configured name (`console`, `ops-mail`).
  var name: String { get }
  /// Delivers one grouped notification. `idempotencyKey` stays the same across retries of one delivery:
  /// channels whose vendor supports it pass it on.
  func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError)
  /// True for a channel that never waits on the network (the console): it is sent even when the invocation's
  /// time has run out, since it cannot hold it up.
  var isLocal: Bool { get }
}

extension Channel {
  package var isLocal: Bool { false }
}

/// Why a delivery failed, and whether trying again can help (Alertmanager's `retry bool`).
package enum ChannelError: Error, Sendable, CustomStringConvertible {
  case retryable(String)
  /// Retryable, but not before `retryAfter` seconds: the vendor said so (`Retry-After`, `retry_after`) or
  /// documents its window (WeCom a minute, DingTalk a 10-minute ban). The outbox waits at least that long.
  case throttled(String, retryAfter: Double)
  case permanent(String)

  package var description: String {
    switch self {
    case .retryable(let message): return "retryable: \(message)"
    case .throttled(let message, let seconds):
      let shown = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
      return "retryable: \(message) (retry after \(shown) s)"
    case .permanent(let message): return "permanent: \(message)"
    }
  }

  /// What happened, without the class: for a throttled error, with its "(retry after N s)".
  package var message: String {
    switch self {
    case .retryable(let message), .permanent(let message): return message
    case .throttled: return String(description.dropFirst("retryable: ".count))
    }
  }

  /// A vendor's back-off hint in seconds (`Retry-After` as seconds, `retry_after`), when it is a sane number.
  static func hint(_ text: String?) -> Double? {
    guard let text, let seconds = Double(text.trimming(" ")), seconds.isFinite,
      seconds >= 0
    else { return nil }
    return min(seconds, 24 * 3600)
  }
}

/// What one invocation has to say on one channel: its firing, reminder and resolved notices, grouped into one
/// message.
package struct AlertNotification: Sendable, Codable, Hashable {
  /// One alert's news.
  package struct Notice: Sendable, Codable, Hashable {
    package enum Status: String, Sendable, Codable, Hashable {
      case firing, reminder, resolved, flapping, stable, acknowledged
    }
    package var status: Status
    package var candidate: AlertCandidate
    package var incidentID: String
    /// When the outage began (ISO-8601).
    package var since: String
    /// The escalation step, when the notice is one.
    package var step: Int?
    /// Who has the incident (or had, until it ended), when someone acknowledged it.
    package var acknowledgement: Acknowledgement?
    /// A signed link that acknowledges the incident, on firing notices when acknowledgement links are set up.
    package var ackURL: String?

    package init(
      status: Status, candidate: AlertCandidate, incidentID: String, since: String, step: Int? = nil,
      acknowledgement: Acknowledgement? = nil, ackURL: String? = nil
    ) {
      self.status = status
      self.candidate = candidate
      self.incidentID = incidentID
      self.since = since
      self.step = step
      self.acknowledgement = acknowledgement
      self.ackURL = ackURL
    }

    /// The check's facts, then the acknowledgement and the link to give one: what every channel shows.
    package var facts: [AlertCandidate.Fact] {
      var facts = candidate.facts
      if let acknowledgement {
        facts.append(.init("acknowledged", acknowledgement.describe(at: candidate.observedAt)))
      }
      if let ackURL { facts.append(.init("acknowledge", ackURL)) }
      return facts
    }
  }

  package var function: String
  package var requestID: String
  package var notices: [Notice]
  /// How many of the notices were held during quiet hours (a digest), when any were.
  package var digest: Int?

  package init(function: String, requestID: String, notices: [Notice]) {
    self.function = function
    self.requestID = requestID
    self.notices = notices
  }

  /// `template` with `{target}`, `{status}`, `{summary}`, `{function}`, `{count}`, `{since}` and `{incident}`
  /// filled from the first notice (for template-only channels: SMS, WeChat).
  package func fill(_ template: String) -> String {
    let first = notices.first
    let values: [(String, String)] = [
      ("{target}", first?.candidate.target ?? ""), ("{status}", first?.status.rawValue ?? ""),
      ("{summary}", first?.candidate.summary ?? ""), ("{function}", function),
      ("{count}", String(notices.count)),
      ("{since}", first?.since ?? ""), ("{incident}", first?.incidentID ?? ""),
    ]
    var text = template
    for (placeholder, value) in values { text = text.replacingEvery(placeholder, with: value) }
    return text
  }

  /// A title line: `[vigil] website-status: 2 firing, 1 resolved`.
  package var title: String {
    var parts: [String] = []
    for status in [Notice.Status.firing, .reminder, .acknowledged, .resolved, .flapping, .stable] {
      let count = notices.filter { $0.status == status }.count
      if count > 0 { parts.append("\(count) \(status.rawValue)") }
    }
    return "[vigil] \(function): " + parts.joined(separator: ", ")
  }

  /// The message body: one block per notice, with its facts; a summary line first when there are many.
  package var text: String {
    var lines = [title]
    if let digest, digest > 0 {
      lines.append("digest: \(digest) notice\(digest == 1 ? "" : "s") held during quiet hours")
    }
    for notice in notices {
      let mark = notice.status.rawValue.uppercased() + (notice.step.map { " (step \($0))" } ?? "")
      lines.append("\(mark) [\(notice.candidate.severity.rawValue)] \(notice.candidate.summary)")
      for fact in notice.facts { lines.append("  \(fact.name): \(fact.value)") }
      lines.append("  since: \(notice.since)  incident: \(notice.incidentID)")
    }
    return lines.joined(separator: "\n")
  }
}
