/// Where handlers and the alerting engine keep what must survive between stateless invocations (samples,
/// counters, incidents, the outbox), shared by every instance that points at the same store: a folder on one
/// machine, or Redis or an S3 bucket reachable from many.
///
/// The contract is made of primitives every backend has, so it holds across machines: a versioned read, a
/// write that holds only if the record is absent (create-only) or still at the version read (compare-and-set),
/// delete, listing by prefix, and a lease (an owner's claim on a name that expires by itself when its holder
/// dies). Read-modify-write goes through ``StateStore/update(_:attempts:_:)``, never a lock held across calls.
public protocol StateStore: Sendable {
  /// The record stored under `key` and its version, or nil.
  func get(_ key: String) async throws -> StateRecord?
  /// Stores `data` under `key` if `condition` holds, atomically (a reader sees the old or the new value, never
  /// a mix). Returns the new version, or nil when the condition did not hold (the record is unchanged).
  func put(_ key: String, _ data: [UInt8], if condition: StateCondition) async throws -> StateVersion?
  /// Removes `key` (no error when absent).
  func delete(_ key: String) async throws
  /// Keys that start with `prefix`, sorted.
  func keys(prefix: String) async throws -> [String]
  /// Claims `name` for `owner` for `seconds`: true when it was free, expired or already `owner`'s (then it is
  /// extended). The claim ends by itself when its time is up, whatever happened to its holder.
  func acquireLease(_ name: String, owner: String, seconds: Double) async throws -> Bool
  /// Ends `owner`'s claim on `name`: true when it was `owner`'s; a claim of another owner is left alone.
  func releaseLease(_ name: String, owner: String) async throws -> Bool
  /// Where `key` lives, for error messages (a file's path; the key in a named store). Never a secret.
  func location(_ key: String) -> String
  /// The store as an operator names it, secrets masked (`folder /var/lib/vigil`, `redis://vigil:***@host/0`).
  var displayName: String { get }
}

/// An opaque version of a stored record: a write conditioned on it succeeds only if nothing was written since.
public struct StateVersion: Sendable, Hashable, CustomStringConvertible {
  /// The store's own version text (an ETag, a counter).
  public let token: String
  /// A version from its text.
  public init(_ token: String) { self.token = token }
  /// The version's text.
  public var description: String { token }
}

/// A stored record and the version it was read at.
public struct StateRecord: Sendable, Hashable {
  /// The record's bytes.
  public var data: [UInt8]
  /// The version it was read at.
  public var version: StateVersion
  /// A record and its version.
  public init(data: [UInt8], version: StateVersion) {
    self.data = data
    self.version = version
  }
}

/// When a write may happen.
public enum StateCondition: Sendable, Hashable {
  /// Always (last writer wins).
  case always
  /// Only if the key does not exist (create-only).
  case absent
  /// Only if the record is still at this version (compare-and-set).
  case version(StateVersion)

  /// `.version` of a record that was read, `.absent` when there was none.
  public static func unchanged(since record: StateRecord?) -> StateCondition {
    record.map { .version($0.version) } ?? .absent
  }
}

/// A state problem, naming the key and where it lives (never a secret).
public struct StateError: Error, Sendable, CustomStringConvertible {
  /// What kind of problem it is.
  public enum Kind: Sendable, Hashable {
    /// A read or write failed (permission, full disk, a refused request).
    case failed
    /// The record exists but cannot be decoded.
    case corrupt
    /// The store cannot be reached (refused, timed out, DNS, TLS).
    case unavailable
    /// Other writers kept winning: a compare-and-set or a lease could not be won within its bound.
    case contended
  }

  /// What went wrong, naming the key and the store.
  public var message: String
  /// What kind of problem it is.
  public var kind: Kind
  /// The record exists but cannot be decoded (as opposed to a store that cannot be read or written).
  public var isCorrupt: Bool { kind == .corrupt }
  /// The message.
  public var description: String { message }
  /// A problem of `kind` (`.failed` by default).
  public init(_ message: String, kind: Kind = .failed) {
    self.message = message
    self.kind = kind
  }
  /// A record that exists but cannot be decoded.
  public init(corrupt message: String) { self.init(message, kind: .corrupt) }
}

/// Checks that a key is a relative path of safe segments (`website-status/samples/api`).
package func validateStateKey(_ key: String) throws {
  let segments = key.split(separator: "/", omittingEmptySubsequences: false)
  guard !key.isEmpty, key.utf8.count <= 512,
    !segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." || $0.hasPrefix(".") }),
    key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./:@".contains($0)) })
  else {
    throw StateError(
      "invalid state key '\(key.excerpt())': use ASCII letters, digits and '-_.:@' in '/'-separated segments, at most 512 bytes"
    )
  }
}
