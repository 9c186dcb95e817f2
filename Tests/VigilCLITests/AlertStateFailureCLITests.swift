import Foundation
import TestSupport
import Testing

/// When alert state cannot be read or recorded the invocation says so in one line, prints the alert on the
/// console, exits non-zero, and recovers once the cause is gone with every incident notified once.
@Suite(.serialized) struct AlertStateFailureCLITests {
  let downURL = "http://127.0.0.1:\(unusedLoopbackPort())/"

  func project(tag: String, targets: [String]) async throws -> String {
    let base = try await WebhookTestPeer.base()
    let list = targets.map { "  - {name: '\($0)', url: '\(downURL)', timeout: 2s}\n" }.joined()
    return try makeProject(
      """
      custom:
        vigil:
          channels:
            hook: {type: webhook, url: '\(base)/hook/ok/\(tag)', secret: '${env:HOOK_SECRET}'}
          alerting:
            channels: [hook]
      functions:
        web:
          handler: website-status
          timeout: 10
      """, files: ["functions/web/config.yml": "targets:\n" + list])
  }

  /// Each firing notice the hook received: the target names, per delivery.
  func firing(_ tag: String) async throws -> [[String]] {
    try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)").map { request in
      let body = Data((request["body"] as? String ?? "").utf8)
      let payload = try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
      return (payload["alerts"] as? [[String: Any]] ?? []).filter { $0["status"] as? String == "firing" }
        .compactMap { ($0["labels"] as? [String: String])?["target"] }.sorted()
    }
  }

  @Test func aCorruptLedgerIsMovedAsideNamedAndStartsFresh() async throws {
    let tag = UUID().uuidString
    let folder = try await project(tag: tag, targets: ["api", "shop"])
    let state = folder + "/state"
    let env = ["HOOK_SECRET": WebhookTestPeer.secret, "VIGIL_STATE_DIR": state]
    let first = try await vigil(
      ["invoke", "web", "--now", "2026-03-02T00:00:00Z"], in: folder, environment: env)
    #expect(first.status == 0, "\(first.stderr)")
    try Data("{\"keys\": {\"web/http/api\": {\"samp".utf8).write(
      to: URL(fileURLWithPath: state + "/alerts/web.json"))

    let listing = try await vigil(["alerts"], in: folder, environment: env)
    #expect(listing.status == 1)
    #expect(listing.stderr.contains(state + "/alerts/web.json"), "\(listing.stderr)")

    let second = try await vigil(
      ["invoke", "web", "--now", "2026-03-02T00:01:00Z"], in: folder, environment: env)
    #expect(second.status == 1, "a lost state must not look like success")
    let message = try #require(second.stderr.split(separator: "\n").last.map(String.init))
    #expect(
      message.hasPrefix("vigil: ALERT STATE CORRUPT: state record \(state)/alerts/web.json is corrupt"),
      "\(message)")
    #expect(message.contains("moved to \(state)/corrupt/alerts/web.json-"))
    #expect(!second.stderr.contains("DecodingError"))
    #expect(!second.stderr.contains("\"samp"), "the record's content is never quoted")
    let aside = try FileManager.default.contentsOfDirectory(atPath: state + "/corrupt/alerts")
    #expect(aside.count == 1 && aside.first?.hasPrefix("web.json-") == true, "\(aside)")
    // The result still reaches stdout.
    #expect(second.stdout.contains("\"down\" : 2"), "\(second.stdout)")
    // Starting fresh, both open incidents alert again (once); then the function is healthy in its state again.
    let third = try await vigil(
      ["invoke", "web", "--now", "2026-03-02T00:02:00Z"], in: folder, environment: env)
    #expect(third.status == 0, "\(third.stderr)")
    #expect(try await firing(tag) == [["api", "shop"], ["api", "shop"]])
    let after = try await vigil(["alerts"], in: folder, environment: env)
    #expect(after.status == 0)
    #expect(after.stdout.contains("open incidents: 2"), "\(after.stdout)")
  }

  @Test func oneCorruptKeyStartsFreshAndTheOthersGoOn() async throws {
    let tag = UUID().uuidString
    let folder = try await project(tag: tag, targets: ["api", "shop"])
    let state = folder + "/state"
    let env = ["HOOK_SECRET": WebhookTestPeer.secret, "VIGIL_STATE_DIR": state]
    let first = try await vigil(
      ["invoke", "web", "--now", "2026-03-02T00:00:00Z"], in: folder, environment: env)
    #expect(first.status == 0, "\(first.stderr)")
    let ledgerPath = state + "/alerts/web.json"
    var ledger = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ledgerPath)))
        as? [String: Any])
    var keys = try #require(ledger["keys"] as? [String: Any])
    #expect(keys.keys.sorted() == ["web/http/api", "web/http/shop"])
    keys["web/http/api"] = ["samples": "not a list"]
    ledger["keys"] = keys
    try JSONSerialization.data(withJSONObject: ledger).write(to: URL(fileURLWithPath: ledgerPath))

    let second = try await vigil(
      ["invoke", "web", "--now", "2026-03-02T00:01:00Z"], in: folder, environment: env)
    #expect(second.status == 1)
    #expect(
      second.stderr.contains(
        "ALERT STATE CORRUPT: the state of 'web/http/api' in \(ledgerPath) cannot be decoded"),
      "\(second.stderr)")
    // api starts fresh and alerts again; shop's open incident is untouched and not repeated.
    #expect(try await firing(tag) == [["api", "shop"], ["api"]])
    let third = try await vigil(
      ["invoke", "web", "--now", "2026-03-02T00:02:00Z"], in: folder, environment: env)
    #expect(third.status == 0, "\(third.stderr)")
    #expect(try await firing(tag).count == 2)
  }

  @Test func namesThatDifferOnlyInPunctuationKeepTheirOwnIncidents() async throws {
    let tag = UUID().uuidString
    let up = try await HTTPTestPeer.httpBase() + "/ok"
    let base = try await WebhookTestPeer.base()
    let folder = try makeProject(
      """
      custom:
        vigil:
          channels:
            hook: {type: webhook, url: '\(base)/hook/ok/\(tag)', secret: '${env:HOOK_SECRET}'}
          alerting:
            channels: [hook]
      functions:
        web:
          handler: website-status
      """,
      files: [
        "functions/web/config.yml":
          "targets:\n  - {name: 'shop api', url: '\(downURL)', timeout: 2s}\n  - {name: shop_api, url: '\(up)'}\n"
      ])
    let env = ["HOOK_SECRET": WebhookTestPeer.secret, "VIGIL_STATE_DIR": folder + "/state"]
    for minute in 0..<3 {
      let run = try await vigil(
        ["invoke", "web", "--now", "2026-03-02T00:0\(minute):00Z"], in: folder, environment: env)
      #expect(run.status == 0, "\(run.stderr)")
    }
    let statuses = try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)").map { request in
      (try? JSONSerialization.jsonObject(with: Data((request["body"] as? String ?? "").utf8))
        as? [String: Any])?[
          "status"] as? String
    }
    // One firing for 'shop api', never resolved by its healthy neighbour.
    #expect(statuses == ["firing"])
    #expect(try await firing(tag) == [["shop api"]])
  }
}
