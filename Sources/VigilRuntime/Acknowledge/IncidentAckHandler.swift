import VigilAlerting
import VigilCore
import VigilCron
import VigilNet

/// `incident-ack`: the page behind the signed link in each firing notice (`custom.vigil.alerting.acknowledge`),
/// as an API-gateway function (`vigil serve`, SCF's API gateway, a Lambda function URL).
///
/// `GET <path>?incident=…&expires=…&sig=…` checks the link and answers a small form; only its `POST` (the
/// same fields, plus who and an optional comment and duration) acknowledges, so a chat client that fetches
/// links to preview them acknowledges nothing. A link whose signature is wrong or whose time has passed is
/// refused (403) and changes nothing; one for an incident that has resolved is answered 409.
package struct IncidentAckHandler: Handler {
  package init() {}

  static let maxBody = 8 * 1024

  package func handle(_ event: InvocationEvent, context: Context) async throws -> GatewayResponse {
    let config = try IncidentAckConfig.read(context.configuration)
    guard case .gateway(let request) = event else {
      return Self.page(400, "Not a link", "incident-ack answers API-gateway events (the link in a notice).")
    }
    let method = request.httpMethod.uppercased()
    var fields = request.queryString
    if method == "POST" {
      var body = request.body ?? ""
      if request.isBase64Encoded {
        body = Base64.decode(body).map { String(decoding: $0, as: UTF8.self) } ?? ""
      }
      guard body.utf8.count <= Self.maxBody else {
        return Self.page(413, "Too large", "The form is at most \(Self.maxBody) bytes.")
      }
      fields.merge(FormEncoding.decode(body)) { _, posted in posted }
    } else if method != "GET" && method != "HEAD" {
      var answer = Self.page(405, "Use the link", "Open the link (GET) and press the button (POST).")
      answer.headers["Allow"] = "GET, POST"
      return answer
    }
    let incident = fields["incident"] ?? ""
    let now = context.clock.now
    if let problem = AckLinks.problem(
      incident: incident, expires: fields["expires"] ?? "", signature: fields["sig"] ?? "",
      secret: config.secret, now: now)
    {
      context.logger.warning("acknowledgement link refused", ["reason": problem])
      return Self.page(403, "Link refused", "\(problem); nothing was changed.")
    }
    guard method == "POST" else { return Self.form(fields) }
    let by = (fields["by"] ?? "").trimming(" \t\r\n")
    guard (1...Acknowledgement.maxName).contains(by.utf8.count) else {
      return Self.page(400, "Who has it?", "Give your name (1-\(Acknowledgement.maxName) bytes).")
    }
    let comment = (fields["comment"] ?? "").trimming(" \t\r\n")
    guard comment.utf8.count <= Acknowledgement.maxComment else {
      return Self.page(400, "Comment too long", "At most \(Acknowledgement.maxComment) bytes.")
    }
    var until: Instant?
    if let text = fields["for"], !text.isEmpty {
      guard let seconds = ConfigValue.parseDuration(text), (60...31 * 86_400).contains(seconds) else {
        return Self.page(400, "Bad duration", "'for' is a duration of 1m-31d, such as 1h, or empty.")
      }
      until = now.addingTimeInterval(seconds)
    }
    let ack = Acknowledgement(
      by: by, at: now, until: until, comment: comment.isEmpty ? nil : comment, via: "link")
    do {
      let changed = try await IncidentAcknowledgements(state: context.state).acknowledge(incident, with: ack)
      context.logger.info(
        "incident acknowledged by link", ["incident": incident, "key": changed.key, "by": by])
      return Self.page(
        200, "Acknowledged",
        "\(incident) (\(changed.key)) acknowledged \(ack.describe(at: now)). Its escalation and reminders pause; the next run tells the channels."
      )
    } catch let refusal as IncidentAcknowledgements.Refusal {
      // The page is public: it names the incident, never the store (the log has the whole reason).
      context.logger.info("acknowledgement by link refused", ["incident": incident, "reason": "\(refusal)"])
      return Self.page(
        409, "Not open",
        "no open incident '\(incident)': it has resolved since the link was sent; nothing was changed.")
    }
  }

  /// The confirmation form: the link's fields carried on, who, how long, and a comment. It posts to the address
  /// it was opened at (no `action`), so it works behind a gateway whose stage prefix the event's path lacks.
  static func form(_ fields: [String: String]) -> GatewayResponse {
    let escape = StatusPageHTML.escape
    let hidden = ["incident", "expires", "sig"].map {
      "<input type=\"hidden\" name=\"\($0)\" value=\"\(escape(fields[$0] ?? ""))\">"
    }.joined()
    let body = """
      <form method="post">\(hidden)
      <p><label>Your name <input name="by" required maxlength="\(Acknowledgement.maxName)"></label></p>
      <p><label>For <select name="for"><option value="">until it resolves</option><option>30m</option>\
      <option>1h</option><option>4h</option><option>1d</option></select></label></p>
      <p><label>Comment <input name="comment" maxlength="\(Acknowledgement.maxComment)"></label></p>
      <p><button type="submit">Acknowledge \(escape(fields["incident"] ?? ""))</button></p></form>
      """
    return html(200, "Acknowledge \(fields["incident"] ?? "")", body)
  }

  static func page(_ status: Int, _ title: String, _ text: String) -> GatewayResponse {
    html(status, title, "<p>\(StatusPageHTML.escape(text))</p>")
  }

  static func html(_ status: Int, _ title: String, _ body: String) -> GatewayResponse {
    let escaped = StatusPageHTML.escape(title)
    return GatewayResponse(
      statusCode: status,
      headers: [
        "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
      ],
      body: """
        <!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">\
        <title>\(escaped)</title></head><body><h1>\(escaped)</h1>\(body)</body></html>
        """)
  }
}

/// `functions/incident-ack/config.yml`: the secret the links are signed with (the same as
/// `custom.vigil.alerting.acknowledge.secret`).
package struct IncidentAckConfig: Sendable {
  package var secret: String

  package static func read(_ root: ConfigValue?) throws(ConfigError) -> IncidentAckConfig {
    guard let root, !root.isNull else {
      throw ConfigError(
        SourceMark(file: "functions/incident-ack/config.yml", line: 1, column: 1),
        "incident-ack needs a config.yml with 'secret: ${env:NAME}' (the secret custom.vigil.alerting.acknowledge signs links with)"
      )
    }
    let map = try root.mapping(allowed: ["secret"])
    return IncidentAckConfig(secret: try AckLinks.secretValue(map.required("secret")))
  }
}
