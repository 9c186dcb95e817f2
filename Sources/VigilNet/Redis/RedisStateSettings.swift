import VigilCore
import VigilCron

/// Where a Redis state store is and how to reach it, read from a URL:
/// `redis[s]://[user[:password]@]host[:port][/database][?prefix=vigil:&connect_timeout=5&timeout=5&ca_file=…]`
/// (`rediss://` is TLS with the server's certificate verified).
/// The password (write it as `${env:NAME}` in configuration) is never shown: `displayName` masks it.
package struct RedisStateSettings: Sendable, Hashable {
  package var host: String
  package var port = 6379
  package var user: String?
  package var password: String?
  package var database = 0
  /// Prepended to every key, so several deployments can share one database.
  package var prefix = "vigil:"
  package var connectTimeout: Double = 5
  package var ioTimeout: Double = 5
  /// `rediss://`: TLS, the certificate verified (against `ca_file` when given).
  package var tls: RedisConnection.TLS?

  /// Reads a `redis://` URL; an error names the part that is wrong, never the password.
  package init(url: String) throws(StateError) {
    guard let (schemeText, afterScheme) = StateURL.splitScheme(url) else {
      throw StateError("state URL '\(StateURL.masked(url))' has no scheme; write redis://host:port")
    }
    let scheme = schemeText.lowercased()
    guard scheme == "redis" || scheme == "rediss" else {
      throw StateError(
        "state URL '\(StateURL.masked(url))': the scheme must be redis:// or rediss://, not \(scheme)://")
    }
    if scheme == "rediss" { tls = RedisConnection.TLS() }
    var rest = afterScheme
    let (beforeQuery, parameters) = StateURL.splitQuery(rest)
    rest = beforeQuery
    var path = Substring("")
    if let slash = rest.firstIndex(of: "/") {
      path = rest[rest.index(after: slash)...]
      rest = rest[..<slash]
    }
    if let at = rest.lastIndex(of: "@") {
      let credentials = rest[..<at]
      rest = rest[rest.index(after: at)...]
      if let colon = credentials.firstIndex(of: ":") {
        let user = StateURL.percentDecoded(credentials[..<colon])
        if !user.isEmpty { self.user = user }
        password = StateURL.percentDecoded(credentials[credentials.index(after: colon)...])
      } else {
        password = StateURL.percentDecoded(credentials)
      }
    }
    host = ""
    var portText: Substring?
    if rest.hasPrefix("[") {
      guard let close = rest.firstIndex(of: "]") else {
        throw StateError("state URL '\(StateURL.masked(url))': an IPv6 host needs its closing ']'")
      }
      host = String(rest[rest.index(after: rest.startIndex)..<close])
      let after = rest[rest.index(after: close)...]
      if after.hasPrefix(":") { portText = after.dropFirst() }
    } else if let colon = rest.lastIndex(of: ":") {
      host = String(rest[..<colon])
      portText = rest[rest.index(after: colon)...]
    } else {
      host = String(rest)
    }
    guard !host.isEmpty else { throw StateError("state URL '\(StateURL.masked(url))' has no host") }
    if let portText {
      guard let port = Int(portText), (1...65_535).contains(port) else {
        throw StateError(
          "state URL '\(StateURL.masked(url))': port '\(String(portText).excerpt())' is not 1-65535")
      }
      self.port = port
    }
    if !path.isEmpty {
      guard let database = Int(path), (0...100_000).contains(database) else {
        throw StateError(
          "state URL '\(StateURL.masked(url))': the path must be a database number (/0), not '/\(String(path).excerpt())'"
        )
      }
      self.database = database
    }
    for (name, value) in parameters {
      switch name {
      case "prefix":
        guard value.count <= 200, value.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
          throw StateError("state URL: prefix must be at most 200 printable ASCII characters")
        }
        prefix = value
      case "ca_file":
        guard tls != nil else { throw StateError("state URL: ca_file is for rediss:// (TLS) only") }
        guard FileSystem.isReadable(value) else {
          throw StateError("state URL: ca_file '\(value.excerpt(80))' cannot be read")
        }
        tls = RedisConnection.TLS(caFile: value)
      case "connect_timeout", "timeout":
        let seconds = try StateURL.seconds(name, value)
        if name == "timeout" { ioTimeout = seconds } else { connectTimeout = seconds }
      default:
        throw StateError(
          "state URL: unknown parameter '\(name.excerpt())' (known: prefix, connect_timeout, timeout, ca_file)"
        )
      }
    }
  }

  /// The URL as shown: the password masked.
  package var displayName: String {
    let credentials =
      password == nil ? (user.map { "\($0)@" } ?? "") : "\(user ?? ""):***@"
    let shownHost = host.contains(":") ? "[\(host)]" : host
    return "\(tls == nil ? "redis" : "rediss")://\(credentials)\(shownHost):\(port)/\(database)"
      + (prefix == "vigil:" ? "" : "?prefix=\(prefix)")
  }

  func recordKey(_ key: String) -> String { "\(prefix)r:\(key)" }
  func leaseKey(_ name: String) -> String { "\(prefix)l:\(StateKey.segment(name))" }
}
