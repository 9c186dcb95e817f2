import VigilCore
import VigilCron

/// "I have it": someone is working on an incident. While it holds, the incident's escalation steps and reminders
/// are not sent (they are not counted as sent either, so when it ends escalation resumes at the step the
/// incident has reached by then); resolves still go out. It ends when the incident resolves, at `until`, or
/// when it is taken back (`vigil unack`).
package struct Acknowledgement: Sendable, Codable, Hashable {
  /// Who gave it (`--by`, the link's form, or the user running `vigil ack`).
  package var by: String
  package var at: Instant
  /// When it ends by itself; nil: when the incident resolves.
  package var until: Instant?
  package var comment: String?
  /// How it was given: `cli` or `link`.
  package var via: String
  /// Whether the channels have been told (the `acknowledged` notice the next run sends).
  package var announced: Bool = false

  package init(by: String, at: Instant, until: Instant?, comment: String?, via: String) {
    self.by = by
    self.at = at
    self.until = until
    self.comment = comment
    self.via = via
  }

  /// Whether it still holds at `now`.
  package func holds(at now: Instant) -> Bool { until.map { now < $0 } ?? true }

  /// One line for notices and `vigil alerts`: `by alice at …, until … (expired): rolling back`.
  package func describe(at now: Instant) -> String {
    var text = "by \(by) at \(ISO8601.format(at))"
    if let until {
      text += holds(at: now) ? ", until \(ISO8601.format(until))" : ", ended \(ISO8601.format(until))"
    } else {
      text += ", until it resolves"
    }
    if let comment, !comment.isEmpty { text += ": \(comment)" }
    return text
  }

  /// Longest comment and name kept (a comment is for a line in a chat message, not a report).
  package static let maxComment = 500
  package static let maxName = 100
}
