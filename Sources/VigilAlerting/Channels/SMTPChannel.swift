import VigilCore
import VigilNet

/// E-mail through an SMTP submission server (SMTPS 465 or STARTTLS 587, AUTH, certificate verified): one
/// message per notification, plain text and HTML, UTF-8 subject as RFC 2047 words. A 4xx reply is retried
/// through the outbox; a 5xx reply or refused credentials are permanent.
package struct SMTPChannel: Channel {
  package let name: String
  let url: String
  let username: String?
  let password: String?
  let from: MailMessage.Address
  let to: [MailMessage.Address]
  let caFile: String?
  let insecure: Bool
  let client: SMTPClient
  let clock: any WallClock

  package init(
    name: String, url: String, username: String?, password: String?, from: MailMessage.Address,
    to: [MailMessage.Address], caFile: String?, insecure: Bool, clock: any WallClock
  ) {
    self.name = name
    self.url = url
    self.username = username
    self.password = password
    self.from = from
    self.to = to
    self.caFile = caFile
    self.insecure = insecure
    self.client = SMTPClient()
    self.clock = clock
  }

  /// The message for a notification.
  package func message(_ notification: AlertNotification, idempotencyKey: String) -> MailMessage {
    let rows = notification.blocks.map { block in
      "<li>" + (block.label.map { "<b>\(Self.escape($0))</b> " } ?? "") + Self.escape(block.headline)
        + "<br><small>" + block.details.map(Self.escape).joined(separator: "<br>") + "</small></li>"
    }
    let html =
      "<html><body><h3>\(Self.escape(notification.title))</h3><ul>\(rows.joined())</ul></body></html>"
    let id = idempotencyKey.filter { $0.isLetter || $0.isNumber || $0 == "-" }
    return MailMessage(
      from: from, to: to, subject: notification.title, text: notification.text, html: html, date: clock.now,
      messageID: "\(id.prefix(48))@vigil")
  }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    let mail = message(notification, idempotencyKey: idempotencyKey)
    let request = SMTPRequest(
      url: url, username: username, password: password, from: from.email, recipients: to.map(\.email),
      message: mail.bytes(), caFile: caFile, insecure: insecure)
    do {
      _ = try await client.send(request)
    } catch {
      switch error {
      case .temporary(let message): throw .retryable(message)
      case .permanent(let message): throw .permanent(message)
      }
    }
  }

  static func escape(_ text: String) -> String {
    var result = ""
    for character in text {
      switch character {
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "&": result += "&amp;"
      case "\"": result += "&quot;"
      default: result.append(character)
      }
    }
    return result
  }
}

extension SMTPChannel: ConfigurableChannel {
  package static let type = "smtp"
  package static let keys = ["url", "username", "password", "from", "to", "caFile", "insecure"]
  package static let secretKeys = ["password"]

  package static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel {
    let map = settings.map
    let urlValue = try map.required("url")
    let url = try urlValue.string()
    guard url.hasPrefix("smtps://") || url.hasPrefix("smtp://") else {
      throw urlValue.error(
        "'url' must be smtps://host:465 (implicit TLS) or smtp://host:587 (STARTTLS, required), found \(urlValue.shown(Redactor.redactURL(url)))"
      )
    }
    let fromValue = try map.required("from")
    guard let from = MailMessage.Address(try fromValue.string()) else {
      throw fromValue.error(
        "'from' must be one address like alerts@example.com or 'Vigil <alerts@example.com>'")
    }
    var to: [MailMessage.Address] = []
    for recipient in try map.required("to").list() {
      guard let address = MailMessage.Address(try recipient.string()) else {
        throw recipient.error(
          "'\((try? recipient.string()) ?? "")' is not one e-mail address (no spaces, commas, line breaks or angle brackets)"
        )
      }
      to.append(address)
    }
    if to.isEmpty { throw try map.required("to").error("'to' is empty: list at least one recipient") }
    return SMTPChannel(
      name: name, url: url, username: try map.optional("username")?.string(),
      password: try map.optional("password")?.string(), from: from, to: to,
      caFile: try map.optional("caFile")?.string(), insecure: try map.optional("insecure")?.bool() ?? false,
      clock: settings.clock)
  }
}
