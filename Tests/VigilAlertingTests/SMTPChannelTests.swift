import Foundation
import TestSupport
import Testing
import VigilCore
import VigilCron

@testable import VigilAlerting
@testable import VigilNet

@Suite(.serialized) struct SMTPChannelTests {
  func notification(function: String = "网站状态") -> AlertNotification {
    let candidate = AlertCandidate(
      function: function, check: "http", target: "api", healthy: false, summary: "api 连续失败 3 次: status 500",
      facts: [.init("url", "https://api.example.com/health"), .init("status", "500")], observedAt: Instant())
    return AlertNotification(
      function: function, requestID: "req-1",
      notices: [
        .init(status: .firing, candidate: candidate, incidentID: "inc-42", since: "2026-11-22T10:00:00+08:00")
      ])
  }

  func channel(
    _ peer: PeerProcess, listener: String, password: String = "s3cret", trust: Bool = true,
    to: [String] = ["oncall@example.test"]
  ) -> SMTPChannel {
    let scheme = listener == "tls" ? "smtps://localhost" : "smtp://127.0.0.1"
    return SMTPChannel(
      name: "mail", url: "\(scheme):\(peer.values[listener] ?? "0")", username: "alice", password: password,
      from: MailMessage.Address("Vigil 监控 <alerts@example.test>")!,
      to: to.compactMap { MailMessage.Address($0) },
      caFile: trust ? peer.values["cert"] : nil, insecure: false, clock: SystemClock())
  }

  func folder() -> String { NSTemporaryDirectory() + "vigil-mail-\(UUID().uuidString)" }

  /// Decodes one RFC 2047 B-encoded header value (words separated by folding whitespace).
  func decodeWords(_ value: String) -> String {
    var bytes = Data()
    for word in value.split(whereSeparator: { $0 == " " || $0 == "\r" || $0 == "\n" }) {
      guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?=") else { return value }
      bytes.append(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) ?? Data())
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  func headers(_ eml: Data) -> [(String, String)] {
    let text = String(decoding: eml, as: UTF8.self)
    let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
    var result: [(String, String)] = []
    for line in head.components(separatedBy: "\r\n") {
      if line.hasPrefix(" "), let last = result.popLast() {
        result.append((last.0, last.1 + "\r\n" + line))
      } else if let colon = line.firstIndex(of: ":") {
        result.append(
          (
            String(line[..<colon]),
            String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
          ))
      }
    }
    return result
  }

  @Test(arguments: ["starttls", "tls"])
  func deliversOverTLSWithAuthAndAWellFormedMessage(listener: String) async throws {
    let maildir = folder()
    let peer = try await SMTPTestPeer.start(maildir: maildir)
    defer { peer.stop() }
    try await channel(peer, listener: listener).deliver(notification(), idempotencyKey: "req-1/mail")
    let messages = try SMTPTestPeer.messages(maildir)
    #expect(messages.count == 1)
    let (eml, facts) = try #require(messages.first)
    #expect(facts["tls"] as? Bool == true)
    #expect(facts["auth"] as? String == "alice")
    #expect(facts["listener"] as? String == listener)
    #expect(facts["mail_from"] as? String == "alerts@example.test")
    #expect(facts["rcpt_tos"] as? [String] == ["oncall@example.test"])
    // CRLF only: no bare LF or CR anywhere, and 7-bit clean.
    let bytes = Array(eml)
    for (index, byte) in bytes.enumerated() where byte == 0x0A {
      #expect(index > 0 && bytes[index - 1] == 0x0D)
    }
    #expect(bytes.allSatisfy { $0 < 0x80 })
    #expect(bytes.allSatisfy { $0 != 0x0D } == false)
    let header = Dictionary(headers(eml), uniquingKeysWith: { first, _ in first })
    #expect(decodeWords(header["Subject"] ?? "") == "[vigil] 网站状态: 1 firing")
    #expect(header["Subject"]?.components(separatedBy: "\r\n ").allSatisfy { $0.count <= 75 } == true)
    #expect(
      decodeWords(
        String((header["From"] ?? "").split(separator: "<")[0]).trimmingCharacters(in: .whitespaces))
        == "Vigil 监控")
    #expect(header["From"]?.hasSuffix("<alerts@example.test>") == true)
    #expect(header["MIME-Version"] == "1.0")
    #expect(header["Content-Type"]?.hasPrefix("multipart/alternative; boundary=") == true)
    let text = String(decoding: eml, as: UTF8.self)
    let plain = try #require(text.range(of: "Content-Type: text/plain; charset=UTF-8"))
    let html = try #require(text.range(of: "Content-Type: text/html; charset=UTF-8"))
    #expect(plain.lowerBound < html.lowerBound)
    // The plain part decodes to the notification text.
    let afterPlain = text[plain.upperBound...].components(separatedBy: "\r\n\r\n")[1].components(
      separatedBy: "\r\n--")[0]
    let decoded = String(
      decoding: Data(base64Encoded: afterPlain.replacingOccurrences(of: "\r\n", with: "")) ?? Data(),
      as: UTF8.self)
    #expect(decoded == notification().text)
  }

  @Test func certificateVerificationStaysOn() async throws {
    let maildir = folder()
    let peer = try await SMTPTestPeer.start(maildir: maildir)
    defer { peer.stop() }
    await #expect(throws: ChannelError.self) {
      try await channel(peer, listener: "starttls", trust: false).deliver(notification(), idempotencyKey: "k")
    }
    do {
      try await channel(peer, listener: "tls", trust: false).deliver(notification(), idempotencyKey: "k")
    } catch {
      guard case .permanent(let message) = error else {
        Issue.record("an untrusted certificate must be permanent, got \(error)")
        return
      }
      #expect(message.contains("certificate"), "\(message)")
    }
    #expect(try SMTPTestPeer.messages(maildir).isEmpty)
  }

  @Test func temporaryFailureIsRetriedThroughTheOutboxAndDeliveredOnce() async throws {
    let maildir = folder()
    let peer = try await SMTPTestPeer.start(maildir: maildir, tempfailFirst: 1)
    defer { peer.stop() }
    let clock = ManualClock(Instant())
    let outbox = Outbox(state: InMemoryStateStore(), clock: clock)
    try await outbox.enqueue(notification(), channels: ["mail"])
    let mail = channel(peer, listener: "starttls")
    let first = try await outbox.deliverDue(using: ["mail": mail], logger: .silent)
    #expect(
      first.retrying.first?.lastError?.contains("451") == true,
      "\(String(describing: first.retrying.first?.lastError))")
    clock.advance(seconds: 31)
    let second = try await outbox.deliverDue(using: ["mail": mail], logger: .silent)
    #expect(second.delivered.count == 1)
    #expect(try SMTPTestPeer.messages(maildir).count == 1)
  }

  @Test func wrongCredentialsArePermanent() async throws {
    let maildir = folder()
    let peer = try await SMTPTestPeer.start(maildir: maildir)
    defer { peer.stop() }
    do {
      try await channel(peer, listener: "tls", password: "wrong").deliver(notification(), idempotencyKey: "k")
      Issue.record("expected a refusal")
    } catch {
      guard case .permanent(let message) = error else {
        Issue.record("535 must be permanent, got \(error)")
        return
      }
      #expect(message.contains("535"), "\(message)")
      #expect(!message.contains("wrong"))
    }
  }

  @Test func headerInjectionIsImpossible() async throws {
    let maildir = folder()
    let peer = try await SMTPTestPeer.start(maildir: maildir)
    defer { peer.stop() }
    try await channel(peer, listener: "starttls").deliver(
      notification(function: "web\r\nBcc: evil@example.test"), idempotencyKey: "k")
    let (eml, facts) = try #require(try SMTPTestPeer.messages(maildir).first)
    #expect(!headers(eml).contains { $0.0.lowercased() == "bcc" })
    #expect(facts["rcpt_tos"] as? [String] == ["oncall@example.test"])
    #expect(MailMessage.Address("a@b.test\r\nBcc: evil@example.test") == nil)
    #expect(MailMessage.Address("a@b.test, c@d.test") == nil)
    #expect(MailMessage.Address("Ops <ops@example.test>")?.email == "ops@example.test")
  }

  @Test func longChineseSubjectsSplitOnWholeCharacters() {
    let words = MailMessage.encodedWords(String(repeating: "告警", count: 20))
    #expect(words.count == 3)
    for word in words {
      #expect(word.count <= 75)
      let payload = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) ?? Data()
      #expect(String(data: payload, encoding: .utf8) != nil)
    }
    #expect(MailMessage.encodedWords("plain ascii") == ["plain ascii"])
  }
}
