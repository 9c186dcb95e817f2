import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Acknowledgement through the real binary: the signed link in a notice, answered by the `incident-ack`
/// function under `vigil serve`, and `vigil ack`/`unack` from another process while `vigil schedule` runs.
@Suite struct AckCLITests {
  static let ackSecret = "ack-secret-for-tests-0123456789abcdef"

  /// `shop` checks one target (down unless `healthy`) and pages `pager` (the webhook peer under `tag`);
  /// `incident-ack` answers /ack, `echo-fn` /echo.
  func project(tag: String, schedule: Bool) async throws -> String {
    let hook = try await WebhookTestPeer.base() + "/hook/ok/\(tag)"
    let down = "http://127.0.0.1:\(unusedLoopbackPort())/"
    let timer =
      schedule
      ? """

          events:
            - timer:
                name: every-second
                parameters:
                  cronExpression: '*/1 * * * * * *'
      """ : ""
    return try makeProject(
      """
      custom:
        vigil:
          channels:
            pager: {type: webhook, url: '\(hook)', secret: '${env:HOOK_SECRET}'}
          alerting:
            channels: [pager]
            recoverAfter: 1
            repeatEvery: 1s
            acknowledge: {url: 'https://ops.example.com/ack', secret: '${env:ACK_SECRET}', linkValidFor: 1h}
      functions:
        shop:
          handler: website-status
          timeout: 30\(timer)
        incident-ack:
          handler: incident-ack
          events:
            - apigw:
                parameters:
                  endpoints:
                    - {path: /ack, method: GET}
                    - {path: /ack, method: POST}
      """,
      files: [
        "functions/shop/config.yml": "targets:\n  - {name: shop-home, url: '\(down)'}\n",
        "functions/incident-ack/config.yml": "secret: ${env:ACK_SECRET}\n",
      ])
  }

  let environment = ["HOOK_SECRET": WebhookTestPeer.secret, "ACK_SECRET": AckCLITests.ackSecret]

  /// The notices the webhook got under `tag`: (status, annotations) per alert, in order.
  static func notices(tag: String) async throws -> [(status: String, annotations: [String: String])] {
    try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)").flatMap { request in
      let body = Data((request["body"] as? String ?? "").utf8)
      let payload = try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
      let alerts = payload["alerts"] as? [[String: Any]] ?? []
      return alerts.map { alert in
        let annotations = alert["annotations"] as? [String: String] ?? [:]
        let labels = alert["labels"] as? [String: String] ?? [:]
        return (labels["notice"] ?? alert["status"] as? String ?? "", annotations)
      }
    }
  }

  /// One request to `url`: status and body.
  static func request(_ url: String, method: String = "GET", form: [String: String]? = nil) async throws -> (
    Int, String
  ) {
    var request = URLRequest(url: try #require(URL(string: url)), timeoutInterval: 30)
    request.httpMethod = method
    if let form {
      request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
      var allowed = CharacterSet.alphanumerics
      allowed.insert(charactersIn: "-._~")
      request.httpBody = Data(
        form.sorted { $0.key < $1.key }.map {
          "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&").utf8)
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    return (try #require(response as? HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
  }

  /// HMAC-SHA256 in hex, computed by Python's hmac module (not by the code under test).
  static func sign(_ message: String, secret: String) async throws -> String {
    let output = try await runToEnd(
      [
        "python3", "-c",
        "import hashlib, hmac, sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())",
        secret, message,
      ], checked: true)
    return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test func aSignedLinkThroughVigilServeAcknowledgesAndABadExpiredOrStaleOneChangesNothing() async throws {
    let tag = UUID().uuidString
    let folder = try await project(tag: tag, schedule: false)
    let state = folder + "/state"
    let ledger = state + "/alerts/shop.json"
    let fired = try await vigil(["invoke", "shop", "--state", state], in: folder, environment: environment)
    #expect(fired.status == 0, "\(fired.stderr)")
    let firing = try #require(try await Self.notices(tag: tag).first)
    let link = try #require(firing.annotations["acknowledge"], "\(firing)")
    #expect(link.hasPrefix("https://ops.example.com/ack?incident=inc-"))
    let query = try #require(link.split(separator: "?", maxSplits: 1).last.map(String.init))
    var fields: [String: String] = [:]
    for pair in query.split(separator: "&") {
      let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
      if parts.count == 2 { fields[parts[0]] = parts[1] }
    }
    let incident = try #require(fields["incident"])
    let expires = try #require(fields["expires"].flatMap { Int($0) })
    // The link's signature is HMAC-SHA256 over "<incident>\n<expires>" with the configured secret.
    #expect(fields["sig"] == (try await Self.sign("\(incident)\n\(expires)", secret: Self.ackSecret)))

    let serve = try ScheduleProcess(
      arguments: ["serve", "--port", "0", "--state", state], in: folder, environment: environment)
    defer { serve.process.terminate() }
    #expect(await serve.waitFor("listening"), "\(serve.messages)")
    let base = try #require(
      serve.records.first { $0["msg"] as? String == "listening" }?["address"] as? String)

    // Opening the link (a chat preview does) shows the form and acknowledges nothing.
    let before = try Data(contentsOf: URL(fileURLWithPath: ledger))
    let (shown, form) = try await Self.request("\(base)/ack?\(query)")
    #expect(shown == 200, "\(form)")
    // It posts back to the address it was opened at (behind a gateway's stage prefix too).
    #expect(form.contains("<form method=\"post\">"))
    #expect(form.contains(incident))
    #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == before)

    // A wrong signature, and a link signed right whose time has passed: refused, nothing changed.
    let good = try #require(fields["sig"])
    let flipped = String(good.dropLast()) + (good.hasSuffix("0") ? "1" : "0")
    let wrong = try await Self.request(
      "\(base)/ack", method: "POST",
      form: ["incident": incident, "expires": String(expires), "sig": flipped, "by": "mallory"])
    #expect(wrong.0 == 403, "\(wrong.1)")
    #expect(wrong.1.contains("signature is wrong"))
    let past = Int(Date().timeIntervalSince1970) - 10
    let expired = try await Self.request(
      "\(base)/ack", method: "POST",
      form: [
        "incident": incident, "expires": String(past),
        "sig": try await Self.sign("\(incident)\n\(past)", secret: Self.ackSecret), "by": "mallory",
      ])
    #expect(expired.0 == 403, "\(expired.1)")
    #expect(expired.1.contains("expired"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == before)

    // The good link, posted: acknowledged, and `vigil alerts` says by whom.
    let posted = try await Self.request(
      "\(base)/ack", method: "POST",
      form: [
        "incident": incident, "expires": String(expires), "sig": good, "by": "alice", "comment": "on it",
      ])
    #expect(posted.0 == 200, "\(posted.1)")
    let alerts = try await vigil(
      ["alerts", "--json", "--state", state], in: folder, environment: environment)
    let report = try JSONSerialization.jsonObject(with: Data(alerts.stdout.utf8)) as? [String: Any]
    let open = report?["incidents"] as? [[String: Any]] ?? []
    let ack = open.first?["acknowledged"] as? [String: Any]
    #expect(ack?["by"] as? String == "alice", "\(alerts.stdout)")
    #expect(ack?["via"] as? String == "link")
    #expect(ack?["comment"] as? String == "on it")

    // The next run tells the channel who has it, and sends no reminder (repeatEvery is 1 s).
    let again = try await vigil(["invoke", "shop", "--state", state], in: folder, environment: environment)
    #expect(again.status == 0, "\(again.stderr)")
    let afterAck = try await Self.notices(tag: tag)
    #expect(afterAck.count == 2, "\(afterAck.map(\.status))")
    let told = try #require(afterAck.last)
    #expect(told.annotations["acknowledged"]?.contains("by alice") == true, "\(told)")
    #expect(told.annotations["acknowledge"] == nil)
    // The incident's history (the status page's timeline) says who has it.
    let history = try Data(contentsOf: URL(fileURLWithPath: state + "/history/shop/incidents.json"))
    let log = try JSONSerialization.jsonObject(with: history) as? [String: Any]
    let timeline = (log?["incidents"] as? [[String: Any]])?.first?["timeline"] as? [[Any]] ?? []
    let acknowledgedEvent = timeline.first { $0.count > 2 && $0[1] as? String == "acknowledged" }
    #expect(
      (acknowledgedEvent?[2] as? String)?.hasPrefix("by alice at ") == true,
      "\(String(decoding: history, as: UTF8.self))")
    let quiet = try await vigil(["invoke", "shop", "--state", state], in: folder, environment: environment)
    #expect(quiet.status == 0, "\(quiet.stderr)")
    #expect(try await Self.notices(tag: tag).count == 2)

    // Resolved (the target answers again): the resolve goes out; the link replayed after it is refused (409)
    // and changes nothing.
    try "targets:\n  - {name: shop-home, url: '\(try await HTTPTestPeer.httpBase())/ok'}\n".write(
      toFile: folder + "/functions/shop/config.yml", atomically: true, encoding: .utf8)
    let resolved = try await vigil(
      ["invoke", "shop", "--state", state], in: folder, environment: environment)
    #expect(resolved.status == 0, "\(resolved.stderr)")
    #expect(try await Self.notices(tag: tag).count == 3)
    let settled = try Data(contentsOf: URL(fileURLWithPath: ledger))
    let replay = try await Self.request(
      "\(base)/ack", method: "POST",
      form: ["incident": incident, "expires": String(expires), "sig": good, "by": "alice"])
    #expect(replay.0 == 409, "\(replay.1)")
    #expect(replay.1.contains("no open incident"))
    #expect(!replay.1.contains(state), "the public page names no store")
    #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == settled)
    serve.process.terminate()
    #expect(await serve.finish() == 0)
  }

  @Test func vigilAckFromAnotherProcessHoldsTheRemindersOfARunningSchedule() async throws {
    let tag = UUID().uuidString
    let folder = try await project(tag: tag, schedule: true)
    let state = folder + "/state"
    let schedule = try ScheduleProcess(
      arguments: ["schedule", "--only", "shop", "--state", state], in: folder, environment: environment)
    defer { schedule.process.terminate() }
    // Firing, then a reminder every second.
    #expect(await Self.waitForNotices(tag: tag, count: 3), "\(schedule.messages)")
    let alerts = try await vigil(
      ["alerts", "--json", "--state", state], in: folder, environment: environment)
    let report = try JSONSerialization.jsonObject(with: Data(alerts.stdout.utf8)) as? [String: Any]
    let incident = try #require(
      (report?["incidents"] as? [[String: Any]])?.first?["incident"] as? String, "\(alerts.stdout)")

    let acked = try await vigil(
      ["ack", incident, "--by", "bob", "--comment", "looking", "--state", state], in: folder,
      environment: environment)
    #expect(acked.status == 0, "\(acked.stderr)")
    #expect(acked.stdout.contains("acknowledged \(incident)"))
    // The schedule's next run says so; then, however many runs finish, no reminder.
    #expect(await Self.waitFor(tag: tag) { $0.last?.annotations["acknowledged"] != nil })
    let heldFrom = try await Self.notices(tag: tag).count
    let finished = schedule.messages.filter { $0 == "invocation finished" }.count
    #expect(await schedule.waitFor("invocation finished", count: finished + 3))
    #expect(try await Self.notices(tag: tag).count == heldFrom)

    // Taken back: reminders resume.
    let unacked = try await vigil(
      ["unack", incident, "--state", state], in: folder, environment: environment)
    #expect(unacked.status == 0, "\(unacked.stderr)")
    #expect(await Self.waitFor(tag: tag) { $0.count > heldFrom })
    // Unknown incidents are refused with a clear message and exit 1.
    let unknown = try await vigil(
      ["ack", "inc-1-abc", "--state", state], in: folder, environment: environment)
    #expect(unknown.status == 1)
    #expect(unknown.stderr.contains("no open incident 'inc-1-abc'"))
    schedule.process.terminate()
    #expect(await schedule.finish() == 0)
  }

  /// Waits (at most 30 s) until the notices under `tag` satisfy `condition`.
  static func waitFor(
    tag: String, _ condition: ([(status: String, annotations: [String: String])]) -> Bool
  ) async -> Bool {
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
      if let notices = try? await notices(tag: tag), condition(notices) { return true }
      try? await Task.sleep(nanoseconds: 50_000_000)
    }
    return false
  }

  static func waitForNotices(tag: String, count: Int) async -> Bool {
    await waitFor(tag: tag) { $0.count >= count }
  }
}
