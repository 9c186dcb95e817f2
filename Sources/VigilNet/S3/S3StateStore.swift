import VigilCore
import VigilCron

/// The state store in an S3 bucket (AWS S3, or an S3-compatible store that honours conditional writes), over
/// libcurl with SigV4 signing: a record is an object under the prefix and its ETag is its version;
/// create-only is `If-None-Match: *`, compare-and-set `If-Match: <etag>` (412 when another writer got there
/// first); listing is `ListObjectsV2`, paged. Leases are records (create-only, then compare-and-set), judged
/// on this instance's clock. Every request is bounded by the URL's timeouts.
///
/// With `writes=create-only` (``S3StateSettings/createOnlyWrites``) the store never sends `If-Match`: a
/// create-only write also carries COS's `x-cos-forbid-overwrite: true` (409 `FileAlreadyExists`), and the
/// runtime wraps the store in ``CreateOnlyCASStore``.
package final class S3StateStore: StateStore, StateEntryListing {
  package let settings: S3StateSettings
  let transport: any HTTPTransport
  let clock: @Sendable () -> Int64

  package init(
    settings: S3StateSettings, transport: any HTTPTransport = CurlHTTPClient(),
    clock: @escaping @Sendable () -> Int64 = { Int64(Instant().timeIntervalSince1970) }
  ) {
    self.settings = settings
    self.transport = transport
    self.clock = clock
  }

  package var displayName: String { settings.displayName }

  package func location(_ key: String) -> String { "s3://\(settings.bucket)/\(settings.prefix)\(key)" }

  /// The largest record read back.
  package static let maxRecordBytes = 64 << 20

  package func get(_ key: String) async throws -> StateRecord? {
    try validateStateKey(key)
    let response = try await request("GET", objectKey: settings.prefix + key, for: key)
    switch response.status {
    case 200:
      guard !response.truncated else {
        throw StateError(
          corrupt: "state record \(location(key)) is larger than \(Self.maxRecordBytes >> 20) MiB")
      }
      guard let etag = response.header("ETag") else {
        throw StateError("\(location(key)): the store answered without an ETag; it cannot keep versions")
      }
      return StateRecord(data: response.body, version: StateVersion(etag))
    case 404 where Self.code(response) != "NoSuchBucket":
      return nil
    default:
      throw failure(response, "read", key)
    }
  }

  package func put(_ key: String, _ data: [UInt8], if condition: StateCondition) async throws -> StateVersion?
  {
    try validateStateKey(key)
    var headers: [(name: String, value: String)] = [("Content-Type", "application/octet-stream")]
    switch condition {
    case .always: break
    case .absent:
      headers.append(("If-None-Match", "*"))
      if settings.createOnlyWrites { headers.append(("x-cos-forbid-overwrite", "true")) }
    case .version(let version):
      guard !settings.createOnlyWrites else {
        throw StateError(
          "\(displayName) has writes=create-only: a compare-and-set of \(location(key)) must go through versions"
        )
      }
      headers.append(("If-Match", version.token))
    }
    let response = try await request(
      "PUT", objectKey: settings.prefix + key, headers: headers, body: data, for: key)
    switch response.status {
    case 200:
      guard let etag = response.header("ETag") else {
        throw StateError("\(location(key)): the store answered without an ETag; it cannot keep versions")
      }
      return StateVersion(etag)
    case 412:
      return nil  // the condition did not hold
    case 409 where Self.code(response) == "ConditionalRequestConflict":
      return nil  // a concurrent conditional write is in progress: lost the race
    case 409 where condition == .absent && Self.code(response) == "FileAlreadyExists":
      return nil  // COS's x-cos-forbid-overwrite: the key exists
    case 404 where condition != .always && Self.code(response) == "NoSuchKey":
      return nil  // If-Match on a key that is gone
    default:
      throw failure(response, "write", key)
    }
  }

  package func delete(_ key: String) async throws {
    try validateStateKey(key)
    let response = try await request("DELETE", objectKey: settings.prefix + key, for: key)
    guard
      [200, 204].contains(response.status)
        || (response.status == 404 && Self.code(response) != "NoSuchBucket")
    else { throw failure(response, "delete", key) }
  }

  /// At most this many keys are listed for one prefix.
  package static let maxListedKeys = 1_000_000

  package func keys(prefix: String) async throws -> [String] {
    try await entries(prefix: prefix).map(\.key)
  }

  package func entries(prefix: String) async throws -> [StateEntry] {
    var entries: [StateEntry] = []
    var token: String?
    repeat {
      var query: [(String, String)] = [
        ("list-type", "2"), ("prefix", settings.prefix + prefix), ("max-keys", "1000"),
      ]
      if let token { query.append(("continuation-token", token)) }
      let response = try await request("GET", objectKey: "", query: query, for: prefix)
      guard response.status == 200, !response.truncated else { throw failure(response, "list", prefix) }
      let text = String(decoding: response.body, as: UTF8.self)
      for object in XMLText.values(of: "Contents", in: text) {
        guard let name = XMLText.values(of: "Key", in: object).first, name.hasPrefix(settings.prefix) else {
          continue
        }
        let modified = XMLText.values(of: "LastModified", in: object).first
          .flatMap { ISO8601.parse($0)?.date(in: .utc) }
        guard let size = XMLText.values(of: "Size", in: object).first.flatMap({ Int($0) }), let modified
        else {
          throw StateError(
            "\(displayName): the listing of '\(prefix)' gave no Size or LastModified for a key")
        }
        entries.append(
          StateEntry(key: String(name.dropFirst(settings.prefix.count)), size: size, modified: modified))
      }
      if entries.count > Self.maxListedKeys {
        throw StateError(
          "\(displayName): more than \(Self.maxListedKeys) keys start with '\(prefix)'; clean the bucket")
      }
      token =
        XMLText.values(of: "IsTruncated", in: text).first == "true"
        ? XMLText.values(of: "NextContinuationToken", in: text).first : nil
    } while token != nil
    return entries.sorted { $0.key < $1.key }
  }

  /// Tries of a request that can be repeated safely (reads, listings, deletes, unconditional writes) when the
  /// store answers 500, 502, 503 or 504 (S3's InternalError and SlowDown, which AWS's SDKs retry too). A
  /// conditional write is never repeated: the first may have landed, and a repeat would then be refused as if
  /// another writer had won.
  static let retries = 3

  /// One signed request (signed again for each retry); a transport failure (refused, DNS, TLS, timeout) is
  /// `.unavailable`.
  func request(
    _ method: String, objectKey: String, query: [(String, String)] = [],
    headers: [(name: String, value: String)] = [], body: [UInt8]? = nil, for key: String
  ) async throws -> HTTPResponse {
    let conditional = headers.contains { $0.name == "If-Match" || $0.name == "If-None-Match" }
    var attempt = 0
    while true {
      attempt += 1
      let response = try await send(method, objectKey: objectKey, query: query, headers: headers, body: body)
      guard [500, 502, 503, 504].contains(response.status), !conditional, attempt < Self.retries else {
        return response
      }
      try? await Task.sleep(nanoseconds: UInt64(50_000_000 * attempt * attempt))
    }
  }

  private func send(
    _ method: String, objectKey: String, query: [(String, String)], headers: [(name: String, value: String)],
    body: [UInt8]?
  ) async throws -> HTTPResponse {
    let (base, path) = settings.location(of: objectKey)
    let authority = base.drop { $0 != "/" }.dropFirst(2)
    let payload = body ?? [UInt8]()
    let signature = settings.signer.sign(
      method: method, path: path, query: query, headers: [("host", String(authority))] + headers,
      payloadHash: SigV4Signer.payloadHash(payload), timestamp: clock())
    let queryText = query.map {
      "\(SigV4Signer.encode($0.0, slash: true))=\(SigV4Signer.encode($0.1, slash: true))"
    }
    .joined(separator: "&")
    let url = base + path + (queryText.isEmpty ? "" : "?" + queryText)
    // curl's own Expect: 100-continue would wait on servers that never answer it.
    let request = HTTPRequest(
      url: url, method: method, headers: signature.headers + [("Expect", "")],
      body: method == "PUT" ? payload : nil, connectTimeout: settings.connectTimeout,
      timeout: settings.timeout,
      maxBodyBytes: Self.maxRecordBytes, followRedirects: false)
    do {
      return try await transport.send(request)
    } catch {
      throw StateError("state store \(displayName) unavailable: \(error)", kind: .unavailable)
    }
  }

  /// The store's error code (`<Code>` of the XML body), if any.
  static func code(_ response: HTTPResponse) -> String? {
    XMLText.values(of: "Code", in: String(decoding: response.body.prefix(64 << 10), as: UTF8.self)).first
  }

  /// What a refused request means, in words an operator can act on.
  func failure(_ response: HTTPResponse, _ action: String, _ key: String) -> StateError {
    let code = Self.code(response) ?? "HTTP \(response.status)"
    let place = "cannot \(action) \(location(key))"
    switch code {
    case "SignatureDoesNotMatch":
      return StateError(
        "\(place): the store refused the signature (SignatureDoesNotMatch): check the secret key (\(settings.credentialSource))"
      )
    case "InvalidAccessKeyId":
      return StateError(
        "\(place): the store does not know the access key (InvalidAccessKeyId): check \(settings.credentialSource)"
      )
    case "ExpiredToken", "TokenRefreshRequired":
      return StateError("\(place): the session token has expired (\(code))")
    case "AccessDenied":
      return StateError(
        "\(place): permission denied (AccessDenied): the role needs s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on \(settings.bucket)"
      )
    case "NoSuchBucket":
      return StateError("\(place): the bucket '\(settings.bucket)' does not exist (NoSuchBucket)")
    case "PermanentRedirect", "AuthorizationHeaderMalformed":
      return StateError(
        "\(place): the bucket is in another region than '\(settings.region)' (\(code)); set ?region=")
    default:
      let unavailable = response.status >= 500 || response.status == 429
      return StateError(
        "\(place): \(code) (HTTP \(response.status))", kind: unavailable ? .unavailable : .failed)
    }
  }
}

/// Reads the text of simple XML elements (`<Key>…</Key>`): enough for S3's list and error bodies, which
/// have no attributes or nesting on the elements read.
enum XMLText {
  static func values(of element: String, in text: String) -> [String] {
    var results: [String] = []
    let open = "<\(element)>"
    let close = "</\(element)>"
    var rest = Substring(text)
    while let start = rest.range(ofText: open) {
      rest = rest[start.upperBound...]
      guard let end = rest.range(ofText: close) else { break }
      results.append(unescaped(rest[..<end.lowerBound]))
      rest = rest[end.upperBound...]
    }
    return results
  }

  static let entities: [String: String] = ["lt": "<", "gt": ">", "quot": "\"", "apos": "'", "amp": "&"]

  static func unescaped(_ text: Substring) -> String {
    guard text.contains("&") else { return String(text) }
    var result = ""
    var rest = text
    while let amp = rest.firstIndex(of: "&") {
      result += rest[..<amp]
      let after = rest[rest.index(after: amp)...]
      if let semicolon = after.prefix(6).firstIndex(of: ";"),
        let character = entities[String(after[..<semicolon])]
      {
        result += character
        rest = after[after.index(after: semicolon)...]
      } else {
        result += "&"
        rest = after
      }
    }
    return result + rest
  }
}
