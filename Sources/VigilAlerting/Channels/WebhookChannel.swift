import VigilCore
import VigilCron
import VigilNet

/// A generic webhook: POSTs an Alertmanager-compatible JSON payload, signed GitHub-style with HMAC-SHA256
/// (`X-Vigil-Signature-256: sha256=<hex of HMAC(secret, body)>`) when a secret is set, with
/// `X-Vigil-Delivery` (a UUID that stays the same across retries, so a receiver can dedupe), `X-Vigil-Event`
/// (`alert.firing` or `alert.resolved`), `X-Vigil-Timestamp` (Unix seconds) and `User-Agent: Vigil/<version>`.
///
/// 2xx is delivered; 408, 425, 429, 5xx and network failures are retried; other 4xx are permanent.
package struct WebhookChannel: Channel {
  package let name: String
  let url: String
  let secret: String?
  let headers: [(name: String, value: String)]
  let transport: any HTTPTransport
  let timeout: Double

  package init(
    name: String, url: String, secret: String?, headers: [(name: String, value: String)] = [],
    transport: any HTTPTransport, timeout: Double = 10
  ) {
    self.name = name
    self.url = url
    self.secret = secret
    self.headers = headers
    self.transport = transport
    self.timeout = timeout
  }

  /// The payload: Alertmanager's webhook shape (version 4) plus Vigil's rendered title and text.
  package static func payload(_ notification: AlertNotification, receiver: String) -> JSONValue {
    let firing = notification.notices.contains { $0.status != .resolved }
    let alerts: [JSONValue] = notification.notices.map { notice in
      var annotations: [String: JSONValue] = ["summary": .string(notice.candidate.summary)]
      for fact in notice.facts where annotations[fact.name] == nil {
        annotations[fact.name] = .string(fact.value)
      }
      return .object([
        "status": .string(notice.status == .resolved || notice.status == .stable ? "resolved" : "firing"),
        "labels": .object([
          "alertname": .string(notice.candidate.check), "function": .string(notice.candidate.function),
          "target": .string(notice.candidate.target), "severity": .string(notice.candidate.severity.rawValue),
        ]),
        "annotations": .object(annotations),
        "startsAt": .string(notice.since),
        "endsAt": .string(
          notice.status == .resolved ? ISO8601.format(notice.candidate.observedAt) : "0001-01-01T00:00:00Z"),
        "fingerprint": .string(notice.incidentID),
      ])
    }
    return .object([
      "version": .string("4"), "groupKey": .string("{}:{function=\"\(notification.function)\"}"),
      "status": .string(firing ? "firing" : "resolved"), "receiver": .string(receiver),
      "groupLabels": .object(["function": .string(notification.function)]),
      "commonLabels": .object(["function": .string(notification.function)]),
      "commonAnnotations": .object([:]),
      "externalURL": .string(""), "truncatedAlerts": .int(0), "alerts": .array(alerts),
      "title": .string(notification.title), "text": .string(notification.text),
    ])
  }

  /// A UUID-shaped delivery id derived from the outbox's idempotency key: the same for every retry.
  static func deliveryID(_ idempotencyKey: String) -> String {
    let hex = Array(Digest.hex(Digest.hash(.sha256, Array(idempotencyKey.utf8))).prefix(32))
    return [hex[0..<8], hex[8..<12], hex[12..<16], hex[16..<20], hex[20..<32]].map { String($0) }
      .joined(separator: "-")
  }

  /// The signature header value for `body`.
  package static func signature(secret: String, body: [UInt8]) -> String {
    "sha256=" + Digest.hex(Digest.hmac(.sha256, key: [UInt8](secret.utf8), message: body))
  }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    let body = [UInt8](Self.payload(notification, receiver: name).encodedString().utf8)
    let firing = notification.notices.contains { $0.status != .resolved && $0.status != .stable }
    var requestHeaders =
      headers + [
        ("Content-Type", "application/json"), ("User-Agent", "Vigil/\(VigilVersion.current)"),
        ("X-Vigil-Event", firing ? "alert.firing" : "alert.resolved"),
        ("X-Vigil-Delivery", Self.deliveryID(idempotencyKey)),
        ("X-Vigil-Timestamp", String(Int64(Instant().timeIntervalSince1970))),
      ]
    if let secret, !secret.isEmpty {
      requestHeaders.append(("X-Vigil-Signature-256", Self.signature(secret: secret, body: body)))
    }
    let response: HTTPResponse
    do {
      response = try await transport.send(
        HTTPRequest(
          url: url, method: "POST", headers: requestHeaders, body: body, timeout: timeout,
          maxBodyBytes: 64 * 1024))
    } catch {
      throw .retryable("\(Redactor.redactURL(url)): \(error)")
    }
    try Self.classify(response, url: url)
  }

  /// 2xx passes; 408/425/429/5xx are retryable; other statuses are permanent.
  static func classify(_ response: HTTPResponse, url: String) throws(ChannelError) {
    guard !(200..<300).contains(response.status) else { return }
    let snippet = String(decoding: response.body.prefix(200), as: UTF8.self)
    var message = "\(Redactor.redactURL(url)) answered HTTP \(response.status): \(snippet)"
    if let retryAfter = response.header("Retry-After") { message += " (Retry-After: \(retryAfter))" }
    if [408, 425, 429].contains(response.status) || response.status >= 500 { throw .retryable(message) }
    throw .permanent(message)
  }
}

extension WebhookChannel: ConfigurableChannel {
  package static let type = "webhook"
  package static let keys = ["url", "secret", "headers", "timeout"]
  package static let secretKeys = ["secret"]

  package static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel {
    let map = settings.map
    let urlValue = try map.required("url")
    let url = try urlValue.string()
    guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
      throw urlValue.error("'url' must be an http(s) URL, found \(urlValue.shown(Redactor.redactURL(url)))")
    }
    Redactor.shared.registerSecrets(inURL: url)
    let headers = try map.optional("headers")?.stringMap() ?? [:]
    for (header, headerValue) in headers where header.containsLineBreak || headerValue.containsLineBreak {
      throw (map.optional("headers") ?? settings.item).error(
        "header '\(header.excerpt())' contains a line break")
    }
    return WebhookChannel(
      name: name, url: url, secret: try map.optional("secret")?.string(),
      headers: headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
      transport: settings.transport, timeout: try map.optional("timeout")?.duration(within: 0.001...300) ?? 10
    )
  }
}
