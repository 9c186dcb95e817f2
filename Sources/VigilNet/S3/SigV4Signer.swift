import VigilCron

/// AWS Signature Version 4 for S3 requests (and S3-compatible stores: Tencent COS's S3 endpoint, MinIO, moto).
/// Pure: every intermediate value is exposed, so it is tested against AWS's published example. The payload is
/// always hashed (`x-amz-content-sha256`), and a session token, when there is one, is sent and signed.
package struct SigV4Signer: Sendable {
  package var accessKey: String
  package var secretKey: String
  package var sessionToken: String?
  package var region: String
  package var service: String

  package init(
    accessKey: String, secretKey: String, sessionToken: String? = nil, region: String, service: String = "s3"
  ) {
    self.accessKey = accessKey
    self.secretKey = secretKey
    self.sessionToken = sessionToken
    self.region = region
    self.service = service
  }

  /// Every intermediate value of one signature, and the headers to send.
  package struct Signature: Sendable {
    package var canonicalRequest: String
    package var stringToSign: String
    package var signature: String
    package var authorization: String
    /// The request's headers with `x-amz-date`, `x-amz-content-sha256`, the token and `Authorization` added.
    package var headers: [(name: String, value: String)]
  }

  /// `20130524T000000Z` for a Unix time.
  static func amzDate(_ timestamp: Int64) -> String {
    LocalDateTime(wallSeconds: timestamp).description.filter { $0 != "-" && $0 != ":" } + "Z"
  }

  /// Signs a request: `path` is the object path as sent (already percent-encoded), `query` the query pairs
  /// (not encoded), `headers` those to sign (`host` among them).
  package func sign(
    method: String, path: String, query: [(String, String)], headers: [(name: String, value: String)],
    payloadHash: String, timestamp: Int64
  ) -> Signature {
    let date = Self.amzDate(timestamp)
    var all = headers
    all.append(("x-amz-date", date))
    all.append(("x-amz-content-sha256", payloadHash))
    if let sessionToken { all.append(("x-amz-security-token", sessionToken)) }
    let canonicalHeaders = all.map { (name: $0.name.lowercased(), value: Self.trimmed($0.value)) }
      .sorted { $0.name < $1.name }
    let signedHeaders = canonicalHeaders.map(\.name).joined(separator: ";")
    let encodedPairs: [(String, String)] = query.map { pair in
      (Self.encode(pair.0, slash: true), Self.encode(pair.1, slash: true))
    }
    let sortedPairs = encodedPairs.sorted { left, right in
      left.0 == right.0 ? left.1 < right.1 : left.0 < right.0
    }
    let canonicalQuery = sortedPairs.map { pair -> String in pair.0 + "=" + pair.1 }.joined(separator: "&")
    let canonicalRequest = [
      method, path.isEmpty ? "/" : path, canonicalQuery,
      canonicalHeaders.map { "\($0.name):\($0.value)\n" }.joined(), signedHeaders, payloadHash,
    ].joined(separator: "\n")
    let day = String(date.prefix(8))
    let scope = "\(day)/\(region)/\(service)/aws4_request"
    let stringToSign = [
      "AWS4-HMAC-SHA256", date, scope, Digest.hex(Digest.hash(.sha256, [UInt8](canonicalRequest.utf8))),
    ].joined(separator: "\n")
    let dateKey = Digest.hmac(.sha256, key: [UInt8]("AWS4\(secretKey)".utf8), message: [UInt8](day.utf8))
    let regionKey = Digest.hmac(.sha256, key: dateKey, message: [UInt8](region.utf8))
    let serviceKey = Digest.hmac(.sha256, key: regionKey, message: [UInt8](service.utf8))
    let signingKey = Digest.hmac(.sha256, key: serviceKey, message: [UInt8]("aws4_request".utf8))
    let signature = Digest.hex(Digest.hmac(.sha256, key: signingKey, message: [UInt8](stringToSign.utf8)))
    let authorization =
      "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
    return Signature(
      canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
      authorization: authorization, headers: all + [("Authorization", authorization)])
  }

  /// The hex SHA-256 of a payload, as `x-amz-content-sha256` carries it.
  package static func payloadHash(_ data: [UInt8]) -> String { Digest.hex(Digest.hash(.sha256, data)) }

  /// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, `/` stays in paths.
  package static func encode(_ text: String, slash: Bool) -> String {
    var result = ""
    for byte in text.utf8 {
      let unreserved =
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
        || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E || (!slash && byte == 0x2F)
      if unreserved {
        result.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        let digits = Array("0123456789ABCDEF")
        result += "%" + String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
      }
    }
    return result
  }

  /// A header value with leading and trailing spaces removed and inner runs of spaces made one.
  static func trimmed(_ value: String) -> String {
    value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
  }
}
