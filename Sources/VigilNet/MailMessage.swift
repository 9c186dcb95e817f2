import VigilCore
import VigilCron

/// An e-mail built as exact bytes: CRLF line endings, RFC 2047 encoded-words for non-ASCII subjects and names,
/// multipart/alternative with plain text first and HTML second, base64 bodies (7-bit clean). Header injection
/// is impossible: addresses with CR, LF, NUL, `<`, `>`, `,` or spaces are refused; line breaks in the subject
/// and display names become spaces before encoding.
package struct MailMessage: Sendable {
  /// An address with an optional display name.
  package struct Address: Sendable, Hashable {
    package var name: String?
    package var email: String

    /// Parses `alerts@example.com` or `Vigil 监控 <alerts@example.com>`; nil when unsafe or malformed.
    package init?(_ text: String) {
      var name: String?
      var email = text.trimming(" ")
      if let open = email.lastIndex(of: "<"), email.hasSuffix(">") {
        let display = email[..<open].trimming(" \"")
        name = display.isEmpty ? nil : display
        email = String(email[email.index(after: open)..<email.index(before: email.endIndex)])
      }
      guard Self.isSafeEmail(email) else { return nil }
      self.name = name?.removingLineBreaks
      self.email = email
    }

    /// One `local@domain`: no whitespace, control characters, `<`, `>`, `,`, quotes.
    static func isSafeEmail(_ text: String) -> Bool {
      let parts = text.split(separator: "@", omittingEmptySubsequences: false)
      guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, text.utf8.count <= 254 else {
        return false
      }
      return text.unicodeScalars.allSatisfy {
        $0.value > 0x20 && $0.value != 0x7F && !"<>,;\"()[]\\".unicodeScalars.contains($0)
      }
    }

    var header: String {
      guard let name, !name.isEmpty else { return email }
      return "\(MailMessage.encodedWords(name).joined(separator: " ")) <\(email)>"
    }
  }

  package var from: Address
  package var to: [Address]
  package var subject: String
  package var text: String
  package var html: String?
  package var date: Instant
  package var messageID: String

  package init(
    from: Address, to: [Address], subject: String, text: String, html: String? = nil, date: Instant,
    messageID: String
  ) {
    self.from = from
    self.to = to
    self.subject = subject
    self.text = text
    self.html = html
    self.date = date
    self.messageID = messageID
  }

  /// The message bytes, ready for DATA.
  package func bytes() -> [UInt8] {
    let boundary = "=_vigil_\(messageID.filter { $0.isLetter || $0.isNumber }.prefix(24))"
    var lines: [String] = [
      "From: \(from.header)",
      "To: \(to.map(\.header).joined(separator: ", "))",
      "Subject: " + Self.encodedWords(subject.removingLineBreaks).joined(separator: "\r\n "),
      "Date: \(Self.rfc5322Date(date))",
      "Message-ID: <\(messageID.filter { $0.isLetter || $0.isNumber || ".-_@".contains($0) })>",
      "MIME-Version: 1.0",
      "Auto-Submitted: auto-generated",
    ]
    if let html {
      lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
      lines.append("")
      for (type, body) in [("text/plain", text), ("text/html", html)] {
        lines.append("--\(boundary)")
        lines.append("Content-Type: \(type); charset=UTF-8")
        lines.append("Content-Transfer-Encoding: base64")
        lines.append("")
        lines.append(contentsOf: Self.base64Lines(body))
      }
      lines.append("--\(boundary)--")
    } else {
      lines.append("Content-Type: text/plain; charset=UTF-8")
      lines.append("Content-Transfer-Encoding: base64")
      lines.append("")
      lines.append(contentsOf: Self.base64Lines(text))
    }
    return [UInt8]((lines.joined(separator: "\r\n") + "\r\n").utf8)
  }

  /// The text as-is when it is printable ASCII, else RFC 2047 B-encoded words of at most 45 bytes of whole
  /// UTF-8 characters each (75 characters per word).
  static func encodedWords(_ text: String) -> [String] {
    if text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) && !text.includes("=?") {
      return [text]
    }
    var words: [String] = []
    var chunk: [UInt8] = []
    for character in text {
      let bytes = Array(String(character).utf8)
      if chunk.count + bytes.count > 45 {
        words.append("=?UTF-8?B?\(Base64.encode(chunk))?=")
        chunk = []
      }
      chunk += bytes
    }
    if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?\(Base64.encode(chunk))?=") }
    return words
  }

  static func base64Lines(_ text: String) -> [String] {
    let encoded = Base64.encode(text.utf8)
    var lines: [String] = []
    var index = encoded.startIndex
    while index < encoded.endIndex {
      let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
      lines.append(String(encoded[index..<end]))
      index = end
    }
    return lines
  }

  /// `Sun, 22 Nov 2026 18:00:00 +0000`.
  static func rfc5322Date(_ date: Instant) -> String {
    let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
    let local = LocalDateTime(wallSeconds: seconds)
    let weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][
      CivilTime.weekday(days: CivilTime.days(year: local.year, month: local.month, day: local.day))]
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return
      "\(weekday), \(local.day) \(months[local.month - 1]) \(local.year) \(two(local.hour)):\(two(local.minute)):\(two(local.second)) +0000"
  }
}
