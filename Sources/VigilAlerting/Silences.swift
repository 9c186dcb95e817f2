import VigilCore
import VigilCron

/// "Not now": notices of the alerts a silence matches are not sent while it is active, as Alertmanager's
/// silences. They are not counted as sent either, so an incident still firing when the silence ends is
/// notified by the next run then; a resolve still goes out (whoever was paged before learns it is over). The
/// first notice a silence holds back per incident is recorded in the incident's history and logged.
package struct Silence: Sendable, Codable, Hashable {
  /// One condition: `name` is `function`, `check`, `target`, `severity` or `key`, or else a label's name;
  /// `pattern` is a glob (`orders*`).
  package struct Matcher: Sendable, Codable, Hashable {
    package var name: String
    package var pattern: String

    package init(name: String, pattern: String) {
      self.name = name
      self.pattern = pattern
    }
  }

  package var id: String
  /// Every matcher must match.
  package var matchers: [Matcher]
  package var startsAt: Instant
  package var endsAt: Instant
  package var createdBy: String
  package var comment: String?
  /// Set when it was ended early (`vigil silence expire`).
  package var expiredAt: Instant?

  package init(
    id: String, matchers: [Matcher], startsAt: Instant, endsAt: Instant, createdBy: String, comment: String?
  ) {
    self.id = id
    self.matchers = matchers
    self.startsAt = startsAt
    self.endsAt = endsAt
    self.createdBy = createdBy
    self.comment = comment
  }

  package func isActive(at now: Instant) -> Bool { startsAt <= now && now < endsAt }

  /// `active`, `pending` (starts later) or `expired`.
  package func phase(at now: Instant) -> String {
    now < startsAt ? "pending" : (now < endsAt ? "active" : "expired")
  }

  /// Whether every matcher matches the alert.
  package func matches(_ candidate: AlertCandidate, labels: [String: String]) -> Bool {
    matchers.allSatisfy { matcher in
      let value: String?
      switch matcher.name {
      case "function": value = candidate.function
      case "check": value = candidate.check
      case "target": value = candidate.target
      case "severity": value = candidate.severity.rawValue
      case "key": value = candidate.key
      default: value = labels[matcher.name]
      }
      return value.map { Glob.matches(matcher.pattern, $0) } ?? false
    }
  }

  /// `function=kafka-backlog,target=orders*`.
  package var matchText: String { matchers.map { "\($0.name)=\($0.pattern)" }.joined(separator: ",") }

  /// Reads `function=kafka-backlog,target=orders*` (1-10 conditions, patterns of 1-200 bytes).
  package static func matchers(_ text: String) throws(SilenceError) -> [Matcher] {
    var matchers: [Matcher] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
      let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let name = pair[0].trimming(" ")
      let pattern = pair.count == 2 ? pair[1].trimming(" '\"") : ""
      guard !name.isEmpty, name.utf8.count <= 64, (1...200).contains(pattern.utf8.count) else {
        throw SilenceError(
          "each condition is NAME=PATTERN (function, check, target, severity, key or a label name; * matches any run), found '\(String(part).excerpt())'"
        )
      }
      if let taken = matchers.first(where: { $0.name == name }) {
        throw SilenceError("'\(name)' is given twice ('\(taken.pattern)' and '\(pattern.excerpt())')")
      }
      matchers.append(Matcher(name: name, pattern: pattern))
    }
    guard (1...10).contains(matchers.count) else {
      throw SilenceError("a silence takes 1-10 conditions, found \(matchers.count)")
    }
    return matchers
  }
}

/// A silence that cannot be added or expired, said in one line.
package struct SilenceError: Error, Sendable, CustomStringConvertible {
  package var description: String
  package init(_ description: String) { self.description = description }
}

/// Every silence, in one record of the store (`silences.json`), changed by compare-and-set.
package struct SilenceBook: Sendable, Codable, Equatable {
  package var silences: [Silence] = []

  package init() {}

  package static let key = "silences.json"
  /// Silences kept at most; silences ended more than a week ago are dropped first.
  package static let limit = 1_000
  static let keptAfterEnd: Double = 7 * 86_400

  /// The first active silence that matches the alert.
  package func silencing(_ candidate: AlertCandidate, labels: [String: String], at now: Instant) -> Silence? {
    silences.first { $0.isActive(at: now) && $0.matches(candidate, labels: labels) }
  }
}

/// Adds, expires and lists silences.
package struct Silences: Sendable {
  let state: any StateStore

  package init(state: any StateStore) { self.state = state }

  package func list() async throws -> [Silence] {
    try await state.readJSON(SilenceBook.self, SilenceBook.key)?.silences ?? []
  }

  /// Adds `silence` (its id fresh), dropping silences that ended over a week ago.
  package func add(_ silence: Silence, now: Instant) async throws -> Silence {
    try await state.updateJSON(SilenceBook.self, SilenceBook.key) { book throws(SilenceError) in
      var value = book ?? SilenceBook()
      value.silences.removeAll { now.timeIntervalSince($0.endsAt) > SilenceBook.keptAfterEnd }
      guard value.silences.count < SilenceBook.limit else {
        throw SilenceError(
          "\(SilenceBook.limit) silences are kept already (those that ended in the last week count); expire some"
        )
      }
      value.silences.append(silence)
      book = value
      return silence
    }
  }

  /// Ends silence `id` now; an expired one is listed as such for a week.
  package func expire(_ id: String, now: Instant) async throws -> Silence {
    try await state.updateJSON(SilenceBook.self, SilenceBook.key) { book throws(SilenceError) in
      guard var value = book, let index = value.silences.firstIndex(where: { $0.id == id }) else {
        throw SilenceError("no silence '\(id.excerpt())' (`vigil silence list --all` lists them)")
      }
      guard value.silences[index].endsAt > now else {
        throw SilenceError("silence '\(id)' already ended at \(ISO8601.format(value.silences[index].endsAt))")
      }
      value.silences[index].endsAt = max(now, value.silences[index].startsAt)
      value.silences[index].expiredAt = now
      book = value
      return value.silences[index]
    }
  }
}
