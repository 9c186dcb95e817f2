import VigilCore

/// Where an object-storage state store is and how to reach it, from a URL:
/// `s3://bucket[/prefix][?region=us-east-1&endpoint=https://…&addressing=path|virtual&writes=conditional|create-only&timeout=10&connect_timeout=5]`,
/// with credentials from the platform's environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN` (Lambda sets them), else `TENCENTCLOUD_SECRETID`, `TENCENTCLOUD_SECRETKEY`,
/// `TENCENTCLOUD_SESSIONTOKEN` (SCF sets them). The secret and the token are never shown.
package struct S3StateSettings: Sendable {
  package var bucket: String
  /// Prepended to every key (`vigil/`), so several deployments can share one bucket.
  package var prefix: String
  package var region = "us-east-1"
  /// `https://s3.<region>.amazonaws.com` unless given (COS: `https://cos.<region>.myqcloud.com`).
  package var endpoint: String?
  /// Path-style (`endpoint/bucket/key`) or virtual-hosted (`bucket.endpoint/key`) requests.
  package var pathStyle = false
  /// The store cannot make a write conditional on a version (Tencent COS has no `If-Match` on PUT): records
  /// are kept as create-only versions (``CreateOnlyCASStore``). `writes=create-only`; the default for a
  /// `myqcloud.com` endpoint, `writes=conditional` otherwise.
  package var createOnlyWrites = false
  package var connectTimeout: Double = 5
  package var timeout: Double = 15
  package var signer: SigV4Signer
  /// Where the credentials came from (variable names, for messages).
  package var credentialSource: String

  /// Reads an `s3://` URL and the credentials; an error names the part that is wrong or the variable missing.
  package init(url: String, environment: [String: String]) throws(StateError) {
    guard url.lowercased().hasPrefix("s3://") else {
      throw StateError("state URL '\(url.excerpt(120))': the scheme must be s3://")
    }
    let (rest, parameters) = StateURL.splitQuery(Substring(url.dropFirst(5)))
    let slash = rest.firstIndex(of: "/")
    bucket = String(slash.map { rest[..<$0] } ?? rest)
    guard
      (3...63).contains(bucket.count),
      bucket.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "." })
    else {
      throw StateError(
        "state URL '\(url.excerpt(120))': '\(bucket.excerpt())' is not a bucket name (3-63 lower-case letters, digits, '-' and '.')"
      )
    }
    var prefix = slash.map { String(rest[rest.index(after: $0)...]) } ?? ""
    if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
    if !prefix.isEmpty {
      do {
        try validateStateKey(String(prefix.dropLast()))
      } catch {
        throw StateError("state URL '\(url.excerpt(120))': the prefix must be like a state key (vigil/prod)")
      }
    }
    self.prefix = prefix
    var style: String?
    var writes: String?
    for (name, value) in parameters {
      switch name {
      case "region":
        guard !value.isEmpty, value.count <= 40,
          value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else {
          throw StateError(
            "state URL: region '\(value.excerpt())' is not a region name (us-east-1, ap-guangzhou)")
        }
        region = value
      case "endpoint":
        let secure = value.hasPrefix("https://")
        let authority = value.dropFirst(secure ? 8 : 7)
        let bare = authority.hasSuffix("/") ? authority.dropLast() : authority
        guard secure || value.hasPrefix("http://"), !bare.isEmpty, !bare.contains("/") else {
          throw StateError(
            "state URL: endpoint must be an http(s) URL with no path, found '\(value.excerpt(80))'")
        }
        endpoint = value.hasSuffix("/") ? String(value.dropLast()) : value
      case "addressing":
        guard value == "path" || value == "virtual" else {
          throw StateError("state URL: addressing must be path or virtual, found '\(value.excerpt())'")
        }
        style = value
      case "writes":
        guard value == "conditional" || value == "create-only" else {
          throw StateError(
            "state URL: writes must be conditional (If-Match) or create-only, found '\(value.excerpt())'")
        }
        writes = value
      case "connect_timeout", "timeout":
        let seconds = try StateURL.seconds(name, value)
        if name == "timeout" { timeout = seconds } else { connectTimeout = seconds }
      default:
        throw StateError(
          "state URL: unknown parameter '\(name.excerpt())' (known: region, endpoint, addressing, writes, timeout, connect_timeout)"
        )
      }
    }
    // A custom endpoint (moto, MinIO) is addressed by path unless told otherwise; AWS by virtual host.
    pathStyle = (style ?? (endpoint == nil ? "virtual" : "path")) == "path"
    // COS answers a PUT with If-Match as if it were unconditional: never trust it there.
    let cos = endpoint.map { $0.lowercased().hasSuffix(".myqcloud.com") } ?? false
    createOnlyWrites = (writes ?? (cos ? "create-only" : "conditional")) == "create-only"
    func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
    if let key = value("AWS_ACCESS_KEY_ID") {
      guard let secret = value("AWS_SECRET_ACCESS_KEY") else {
        throw StateError(
          "the s3 state store has AWS_ACCESS_KEY_ID but no AWS_SECRET_ACCESS_KEY in the environment")
      }
      signer = SigV4Signer(
        accessKey: key, secretKey: secret, sessionToken: value("AWS_SESSION_TOKEN"), region: region)
      credentialSource = "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY"
    } else if let key = value("TENCENTCLOUD_SECRETID") {
      guard let secret = value("TENCENTCLOUD_SECRETKEY") else {
        throw StateError(
          "the s3 state store has TENCENTCLOUD_SECRETID but no TENCENTCLOUD_SECRETKEY in the environment")
      }
      signer = SigV4Signer(
        accessKey: key, secretKey: secret, sessionToken: value("TENCENTCLOUD_SESSIONTOKEN"), region: region)
      credentialSource = "TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY"
    } else {
      throw StateError(
        "the s3 state store needs credentials in the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
          + "(and AWS_SESSION_TOKEN for a role), or TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY on SCF")
    }
  }

  /// The store as shown (no credentials are part of it).
  package var displayName: String {
    "s3://\(bucket)/\(prefix)" + (endpoint.map { " at \($0)" } ?? " in \(region)")
  }

  /// The base URL requests go to, and the path of `objectKey` on it (percent-encoded).
  func location(of objectKey: String) -> (base: String, path: String) {
    let encoded = objectKey.isEmpty ? "" : SigV4Signer.encode(objectKey, slash: false)
    let endpoint = self.endpoint ?? "https://s3.\(region).amazonaws.com"
    // The bucket itself (listing) is `/bucket` by path, as AWS's SDKs send it.
    if pathStyle { return (endpoint, objectKey.isEmpty ? "/\(bucket)" : "/\(bucket)/\(encoded)") }
    let scheme = endpoint.hasPrefix("http://") ? "http://" : "https://"
    return (scheme + bucket + "." + endpoint.dropFirst(scheme.count), "/\(encoded)")
  }
}
