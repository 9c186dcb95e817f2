import VigilCron

/// Tencent Cloud API 3.0 request signing, TC3-HMAC-SHA256: used by the SMS channel and by cloud-API checks
/// (CKafka). Pure: every step is exposed so it is tested against Tencent's published example.
package struct TC3Signer: Sendable {
  package var secretID: String
  package var secretKey: String
  /// `sms`, `ckafka`, `cvm`.
  package var service: String
  /// `sms.tencentcloudapi.com`.
  package var host: String

  package init(secretID: String, secretKey: String, service: String, host: String) {
    self.secretID = secretID
    self.secretKey = secretKey
    self.service = service
    self.host = host
  }

  /// Every intermediate value of one signature.
  package struct Signature: Sendable {
    package var hashedPayload: String
    package var canonicalRequest: String
    package var hashedCanonicalRequest: String
    package var stringToSign: String
    package var signature: String
    package var authorization: String
  }

  /// The UTC date (`2019-02-25`) of a timestamp.
  static func date(_ timestamp: Int64) -> String {
    String(LocalDateTime(wallSeconds: timestamp).description.prefix(10))
  }

  /// Signs a POST of `payload` with the `content-type;host` headers.
  package func sign(
    payload: [UInt8], timestamp: Int64, contentType: String = "application/json; charset=utf-8"
  )
    -> Signature
  {
    let hashedPayload = Digest.hex(Digest.hash(.sha256, payload))
    let canonicalRequest =
      "POST\n/\n\ncontent-type:\(contentType)\nhost:\(host)\n\ncontent-type;host\n\(hashedPayload)"
    let hashedCanonical = Digest.hex(Digest.hash(.sha256, [UInt8](canonicalRequest.utf8)))
    let date = Self.date(timestamp)
    let scope = "\(date)/\(service)/tc3_request"
    let stringToSign = "TC3-HMAC-SHA256\n\(timestamp)\n\(scope)\n\(hashedCanonical)"
    let secretDate = Digest.hmac(.sha256, key: [UInt8]("TC3\(secretKey)".utf8), message: [UInt8](date.utf8))
    let secretService = Digest.hmac(.sha256, key: secretDate, message: [UInt8](service.utf8))
    let secretSigning = Digest.hmac(.sha256, key: secretService, message: [UInt8]("tc3_request".utf8))
    let signature = Digest.hex(Digest.hmac(.sha256, key: secretSigning, message: [UInt8](stringToSign.utf8)))
    return Signature(
      hashedPayload: hashedPayload, canonicalRequest: canonicalRequest,
      hashedCanonicalRequest: hashedCanonical,
      stringToSign: stringToSign, signature: signature,
      authorization:
        "TC3-HMAC-SHA256 Credential=\(secretID)/\(scope), SignedHeaders=content-type;host, Signature=\(signature)"
    )
  }

  /// The headers of a signed API 3.0 call.
  package func headers(action: String, version: String, region: String?, payload: [UInt8], timestamp: Int64)
    -> [(
      name: String, value: String
    )]
  {
    var headers: [(name: String, value: String)] = [
      ("Authorization", sign(payload: payload, timestamp: timestamp).authorization),
      ("Content-Type", "application/json; charset=utf-8"), ("Host", host), ("X-TC-Action", action),
      ("X-TC-Timestamp", String(timestamp)), ("X-TC-Version", version),
    ]
    if let region { headers.append(("X-TC-Region", region)) }
    return headers
  }
}

/// Tencent Cloud's legacy HmacSHA1 signature (API 2.0, and API 3.0 "signature v1"), as the source articles'
/// CKafka calls use: HMAC-SHA1 over `METHOD + host + path + "?" + sorted k=v&…`, base64.
package enum TencentLegacySigner {
  /// The base64 signature (not URL-encoded).
  package static func signature(
    method: String, host: String, path: String, parameters: [(String, String)], secretKey: String
  ) -> String {
    let query = parameters.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
      .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    let source = "\(method)\(host)\(path)?\(query)"
    return Base64.encode(Digest.hmac(.sha1, key: [UInt8](secretKey.utf8), message: [UInt8](source.utf8)))
  }
}
