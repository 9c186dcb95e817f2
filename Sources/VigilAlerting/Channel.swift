import VigilCore

/// A place alerts are delivered to (console, e-mail, WeCom…). One type per file under `Channels/`.
public protocol Channel: Sendable {
  /// The configured name (`console`, `ops-mail`).
  var name: String { get }
  /// Delivers one grouped notification.
  func deliver(_ notification: AlertNotification) async throws(ChannelError)
}

/// Why a delivery failed, and whether trying again can help (Alertmanager's `retry bool`).
public enum ChannelError: Error, Sendable, CustomStringConvertible {
  case retryable(String)
  case permanent(String)

  public var description: String {
    switch self {
    case .retryable(let message): return "retryable: \(message)"
    case .permanent(let message): return "permanent: \(message)"
    }
  }
}

/// What one invocation has to say: its firing and resolved notices, grouped into one message.
public struct AlertNotification: Sendable, Codable {
  /// One alert's state change.
  public struct Notice: Sendable, Codable {
    public enum Status: String, Sendable, Codable { case firing, resolved }
    public var status: Status
    public var candidate: AlertCandidate
    public var incidentID: String
    /// When the outage began (for resolved notices, how long it lasted follows from it).
    public var since: String
  }

  public var function: String
  public var requestID: String
  public var notices: [Notice]

  /// A title line: `[vigil] website-status: 2 firing, 1 resolved`.
  public var title: String {
    let firing = notices.filter { $0.status == .firing }.count
    let resolved = notices.count - firing
    var parts: [String] = []
    if firing > 0 { parts.append("\(firing) firing") }
    if resolved > 0 { parts.append("\(resolved) resolved") }
    return "[vigil] \(function): " + parts.joined(separator: ", ")
  }

  /// The message body: one block per notice, with its facts.
  public var text: String {
    var lines = [title]
    for notice in notices {
      let mark = notice.status == .firing ? "FIRING" : "RESOLVED"
      lines.append("\(mark) [\(notice.candidate.severity.rawValue)] \(notice.candidate.summary)")
      for fact in notice.candidate.facts { lines.append("  \(fact.name): \(fact.value)") }
      lines.append("  since: \(notice.since)  incident: \(notice.incidentID)")
    }
    return lines.joined(separator: "\n")
  }
}
