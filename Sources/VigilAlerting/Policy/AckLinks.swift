import VigilCore
import VigilCron
import VigilNet

/// Signed acknowledgement links (`custom.vigil.alerting.acknowledge`): each firing notice carries
/// `<url>?incident=<id>&expires=<unix seconds>&sig=<hex HMAC-SHA256 of "<id>\n<expires>">`, and the
/// `incident-ack` function (through `vigil serve` or an API gateway) acknowledges the incident only for a link
/// whose signature is right and whose time has not passed.
///
/// ```yaml
/// custom:
///   vigil:
///     alerting:
///       acknowledge:
///         url: https://ops.example.com/ack      # where the incident-ack function answers
///         secret: ${env:VIGIL_ACK_SECRET}      # at least 16 bytes; the same in incident-ack's config.yml
///         linkValidFor: 24h                    # default 24h
/// ```
package struct AckLinks: Sendable {
  package var url: String
  private var secret: [UInt8]
  package var validFor: Double

  /// Shortest secret accepted: a link is only as hard to forge as its key is to guess.
  package static let minimumSecretBytes = 16

  package init(url: String, secret: String, validFor: Double = 24 * 3600) {
    self.url = url
    self.secret = Array(secret.utf8)
    self.validFor = validFor
  }

  /// `acknowledge:` of a project's `alerting:` mapping, or nil when it has none.
  package static func read(_ alerting: ConfigValue?) throws(ConfigError) -> AckLinks? {
    guard let alerting, !alerting.isNull,
      let value = try alerting.mapping(allowed: AlertingConfig.projectKeys).optional("acknowledge")
    else { return nil }
    let map = try value.mapping(allowed: ["url", "secret", "linkValidFor"])
    let urlValue = try map.required("url")
    let url = try urlValue.string()
    guard url.hasPrefix("https://") || url.hasPrefix("http://"), !url.contains("?"), !url.contains("#") else {
      throw urlValue.error(
        "'acknowledge.url' is the incident-ack function's address, http(s)://… without a query, found '\(Redactor.redactURL(url))'"
      )
    }
    let secret = try secretValue(map.required("secret"))
    let validFor = try map.optional("linkValidFor")?.duration(within: 60...31 * 86_400) ?? 24 * 3600
    return AckLinks(url: url, secret: secret, validFor: validFor)
  }

  /// A secret setting: registered so it is never printed, and long enough to sign with.
  package static func secretValue(_ value: ConfigValue) throws(ConfigError) -> String {
    let secret = try value.string()
    Redactor.shared.register(secret)
    guard secret.utf8.count >= minimumSecretBytes else {
      throw value.error(
        "the acknowledgement secret must be at least \(minimumSecretBytes) bytes (e.g. `openssl rand -hex 32` in an environment variable)"
      )
    }
    return secret
  }

  /// The link for `incident`, valid until `now + validFor`.
  package func link(incident: String, now: Instant) -> String {
    let expires = Int64((now.timeIntervalSince1970 + validFor).rounded(.down))
    return url + "?"
      + FormEncoding.encode([
        ("incident", incident), ("expires", String(expires)),
        ("sig", Self.signature(incident: incident, expires: expires, secret: secret)),
      ])
  }

  /// Why a link is refused, or nil when it is good.
  package static func problem(
    incident: String, expires: String, signature: String, secret: String, now: Instant
  ) -> String? {
    guard let seconds = Int64(expires), !incident.isEmpty, incident.utf8.count <= 200 else {
      return "the link is incomplete (incident, expires and sig are needed)"
    }
    let expected = Self.signature(incident: incident, expires: seconds, secret: Array(secret.utf8))
    // Compared in full whatever the first difference, so the time taken says nothing of the right signature.
    var difference = UInt8(expected.utf8.count == signature.utf8.count ? 0 : 1)
    for (left, right) in zip(expected.utf8, signature.utf8) { difference |= left ^ right }
    guard difference == 0 else { return "the link's signature is wrong" }
    guard Double(seconds) > now.timeIntervalSince1970 else {
      return "the link expired at \(ISO8601.format(Instant(timeIntervalSince1970: Double(seconds))))"
    }
    return nil
  }

  static func signature(incident: String, expires: Int64, secret: [UInt8]) -> String {
    Digest.hex(Digest.hmac(.sha256, key: secret, message: Array("\(incident)\n\(expires)".utf8)))
  }
}
