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
    package var facts: [AlertCandidate.Fact] { facts(in: Wording(.en)) }

    /// The same in a message's language (the check's own facts keep their names and values).
    package func facts(in wording: Wording) -> [AlertCandidate.Fact] {
      var facts = candidate.facts
      if let acknowledgement {
        facts.append(
          .init(
            wording.factName("acknowledged"),
            wording.acknowledgement(acknowledgement, at: candidate.observedAt)))
      }
      if let ackURL { facts.append(.init(wording.factName("acknowledge"), ackURL)) }
      return facts
    }
  }

  package var function: String
  package var requestID: String
  package var notices: [Notice]
  /// How many of the notices were held during quiet hours (a digest), when any were.
  package var digest: Int?
  /// The channel's language and layout, set when it is delivered (nil: English, Vigil's layout).
  package var language: NoticeLanguage?
  package var template: MessageTemplate?

  package init(function: String, requestID: String, notices: [Notice]) {
    self.function = function
    self.requestID = requestID
    self.notices = notices
  }

  package var wording: Wording { Wording(language ?? .en) }

  /// The value of each placeholder for `notice` (see `MessageTemplate`).
  package func values(for notice: Notice?) -> [String: String] {
    guard let notice else { return ["function": function, "count": String(notices.count)] }
    let wording = self.wording
    var values = [
      "function": function, "count": String(notices.count), "target": notice.candidate.target,
      "status": wording.status(notice.status), "summary": notice.candidate.summary,
      "severity": wording.severity(notice.candidate.severity), "since": notice.since,
      "incident": notice.incidentID, "ack_url": notice.ackURL ?? "",
      "facts": notice.candidate.facts.map { "\($0.name): \($0.value)" }.joined(separator: "\n"),
      "duration": ISO8601.parse(notice.since).map {
        wording.duration(notice.candidate.observedAt.timeIntervalSince($0.date(in: .utc)))
      } ?? "",
    ]
    for fact in notice.candidate.facts where values["figure." + fact.name] == nil {
      values["figure." + fact.name] = fact.value
    }
    return values
  }

  /// `template` with its placeholders filled from `notice` (the first notice when nil); an unknown
  /// `{figure.NAME}` is left empty, any other text is kept as written.
  package func fill(_ template: String, notice: Notice? = nil) -> String {
    let values = self.values(for: notice ?? notices.first)
    var result = ""
    var rest = Substring(template)
    while let open = rest.firstIndex(of: "{") {
      result += rest[..<open]
      let after = rest[rest.index(after: open)...]
      guard let close = after.firstIndex(of: "}") else {
        rest = rest[open...]
        break
      }
      let name = String(after[..<close])
      if let value = values[name] {
        result += value
      } else if name.hasPrefix("figure.") {
        result += ""
      } else {
        result += rest[open...close]
      }
      rest = after[after.index(after: close)...]
    }
    return result + rest
  }

  /// One notice as every channel lays it out: a bold label (status and step; nil with a template), a headline,
  /// and the lines under it.
  package struct Block: Sendable, Hashable {
    package var label: String?
    /// `critical` / `严重`.
    package var severity: String
    package var headline: String
    package var details: [String]
  }

  /// Each notice's block: Vigil's layout in the channel's language, or the channel's `template.text` filled.
  package var blocks: [Block] {
    let wording = self.wording
    return notices.map { notice in
      if let text = template?.text {
        let lines = fill(text, notice: notice).split(separator: "\n", omittingEmptySubsequences: false)
        return Block(
          label: nil, severity: wording.severity(notice.candidate.severity),
          headline: String(lines.first ?? ""),
          details: lines.dropFirst().map(String.init))
      }
      var details = notice.facts(in: wording).map { "\($0.name): \($0.value)" }
      details.append(wording.sinceLine(since: notice.since, incident: notice.incidentID))
      return Block(
        label: label(notice), severity: wording.severity(notice.candidate.severity),
        headline: notice.candidate.summary, details: details)
    }
  }

  /// `FIRING (step 2)` / `告警（第 2 级）`.
  package func label(_ notice: Notice) -> String {
    wording.status(notice.status) + (notice.step.map { wording.step($0) } ?? "")
  }

  /// A title line: `[vigil] website-status: 2 firing, 1 resolved`, or the channel's `template.title` filled.
  package var title: String {
    if let title = template?.title { return fill(title) }
    var parts: [String] = []
    for status in [Notice.Status.firing, .reminder, .acknowledged, .resolved, .flapping, .stable] {
      let count = notices.filter { $0.status == status }.count
      if count > 0 { parts.append(wording.count(count, status)) }
    }
    return wording.title(function: function, parts: parts)
  }

  /// The message body: the title, a digest line when notices were held, then each notice's block.
  package var text: String {
    var lines = [title]
    if let digest, digest > 0 { lines.append(wording.digest(digest)) }
    for block in blocks {
      lines.append(block.label.map { "\($0) [\(block.severity)] \(block.headline)" } ?? block.headline)
      lines += block.details.map { "  " + $0 }
    }
    return lines.joined(separator: "\n")
  }
}
