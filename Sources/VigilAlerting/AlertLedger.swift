import VigilCore

/// Everything the alerting engine remembers for one function, in one document written atomically: each alert
/// key's policy state, the notices held for the quiet-hours digest, and the outbox entries its latest change
/// committed to until they are in the outbox. New states and the notices they imply are durable in the same
/// write, so a kill -9 at any moment leaves "a retry", never "a loss" (`alerts/<function>.json`).
package struct AlertLedger: Sendable, Codable, Equatable {
  /// Policy state per alert key (`function/check/target`); keys are map keys, so any two names stay apart.
  package var keys: [String: AlertState] = [:]
  /// Notices held during quiet hours, per channel.
  package var held: [String: [AlertNotification.Notice]] = [:]
  /// Entries committed with this document and not yet confirmed in the outbox (written there next).
  package var outbound: [OutboxEntry] = []
  /// Keys whose stored state could not be decoded (they start fresh); not stored.
  package var unreadableKeys: [String] = []

  package init() {}

  enum CodingKeys: String, CodingKey { case keys, held, outbound }

  package init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    // One key whose state does not decode starts fresh; the keys beside it go on.
    let lenient = try container.decodeIfPresent([String: Lenient<AlertState>].self, forKey: .keys) ?? [:]
    for (key, value) in lenient {
      if let state = value.value { keys[key] = state } else { unreadableKeys.append(key) }
    }
    unreadableKeys.sort()
    held = try container.decodeIfPresent([String: [AlertNotification.Notice]].self, forKey: .held) ?? [:]
    outbound = try container.decodeIfPresent([OutboxEntry].self, forKey: .outbound) ?? []
  }

  package func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(keys, forKey: .keys)
    if !held.isEmpty { try container.encode(held, forKey: .held) }
    if !outbound.isEmpty { try container.encode(outbound, forKey: .outbound) }
  }

  package static func == (left: AlertLedger, right: AlertLedger) -> Bool {
    left.keys == right.keys && left.held == right.held && left.outbound == right.outbound
  }

  /// The ledger's state key for `function`.
  package static func key(function: String) -> String { "alerts/\(StateKey.segment(function)).json" }

  /// The function a ledger key belongs to, or nil for other keys under `alerts/`.
  package static func function(ofKey key: String) -> String? {
    guard key.hasPrefix("alerts/"), key.hasSuffix(".json") else { return nil }
    let segment = key.dropFirst("alerts/".count).dropLast(".json".count)
    guard !segment.contains("/") else { return nil }
    return StateKey.name(ofSegment: String(segment))
  }

  /// Where earlier versions kept one key's state (one file per key, names with other characters replaced):
  /// read once, when a function has no ledger yet, so an upgrade keeps open incidents.
  package static func legacyKey(_ alertKey: String) -> String {
    "alerts/state/"
      + alertKey.split(separator: "/").map { part in
        let safe = String(part.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
        return safe.hasPrefix(".") ? "_" + safe : safe
      }.joined(separator: "/") + ".json"
  }
}

/// A value that decodes to nil instead of failing.
struct Lenient<Value: Decodable>: Decodable {
  var value: Value?
  init(from decoder: any Decoder) throws { value = try? Value(from: decoder) }
}
