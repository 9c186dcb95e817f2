import Foundation
import TestSupport
import Testing

/// `vigil silence` through the real binary: a silenced alert is recorded in its incident's history and not
/// sent; once the silence is expired the still-firing incident is notified; an expired silence is listed so.
@Suite struct SilenceCLITests {
  @Test func aSilencedAlertIsRecordedNotSentAndNotifiedWhenTheSilenceIsExpired() async throws {
    let tag = UUID().uuidString
    let folder = try await AckCLITests().project(tag: tag, schedule: false)
    let state = folder + "/state"
    let environment = AckCLITests().environment
    let added = try await vigil(
      [
        "silence", "add", "--match", "function=shop,target=shop-*", "--for", "1h", "--by", "alice",
        "--comment", "deploy", "--state", state,
      ], in: folder, environment: environment)
    #expect(added.status == 0, "\(added.stderr)")
    let id = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(id.hasPrefix("sil-"), "\(added.stdout)")

    let held = try await vigil(["invoke", "shop", "--state", state], in: folder, environment: environment)
    #expect(held.status == 0, "\(held.stderr)")
    #expect(try await AckCLITests.notices(tag: tag).isEmpty)
    let logged = held.logRecords.first { $0["msg"] as? String == "notice silenced (recorded, not sent)" }
    #expect(logged?["silence"] as? String == id, "\(held.stderr)")
    // Recorded in the incident's history (the status page's timeline).
    let history = try Data(contentsOf: URL(fileURLWithPath: state + "/history/shop/incidents.json"))
    let log = try JSONSerialization.jsonObject(with: history) as? [String: Any]
    let incidents = log?["incidents"] as? [[String: Any]] ?? []
    // Each event is [seconds, status, summary].
    let events = incidents.first?["timeline"] as? [[Any]] ?? []
    #expect(
      events.map { $0.count > 1 ? $0[1] as? String : nil } == ["silenced"],
      "\(String(decoding: history, as: UTF8.self))")
    #expect((events.first?.last as? String)?.contains("held back by silence \(id)") == true)

    let listed = try await vigil(["silence", "list", "--state", state], in: folder, environment: environment)
    #expect(listed.stdout.contains("\(id)  active  function=shop,target=shop-*"), "\(listed.stdout)")
    let expired = try await vigil(
      ["silence", "expire", id, "--state", state], in: folder, environment: environment)
    #expect(expired.status == 0, "\(expired.stderr)")
    let all = try await vigil(
      ["silence", "list", "--all", "--json", "--state", state], in: folder, environment: environment)
    let report = try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [String: Any]
    let silences = report?["silences"] as? [[String: Any]] ?? []
    #expect(silences.map { $0["state"] as? String } == ["expired"], "\(all.stdout)")
    #expect(silences.first?["expiredAt"] is String)
    // Not listed without --all.
    let current = try await vigil(
      ["silence", "list", "--state", state], in: folder, environment: environment)
    #expect(current.stdout.hasPrefix("silences: 0"), "\(current.stdout)")

    // The incident is still firing: the next run notifies it.
    let after = try await vigil(["invoke", "shop", "--state", state], in: folder, environment: environment)
    #expect(after.status == 0, "\(after.stderr)")
    #expect(await AckCLITests.waitForNotices(tag: tag, count: 1))
  }
}
