import Synchronization

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
#if canImport(Glibc)
  import Glibc
#endif

/// Where handlers and the alerting engine keep what must survive between stateless invocations: samples,
/// counters, incidents, the outbox.
public protocol StateStore: Sendable {
  /// The bytes stored under `key`, or nil.
  func read(_ key: String) throws -> Data?
  /// Stores `data` under `key`, atomically: a reader sees the old or the new value, never a mix.
  func write(_ key: String, _ data: Data) throws
  /// Removes `key` (no error when absent).
  func delete(_ key: String) throws
  /// Keys that start with `prefix`, sorted.
  func keys(prefix: String) throws -> [String]
  /// Runs `body` holding the named exclusive lock, shared with every other invocation on the same store.
  func withLock<T>(_ name: String, _ body: () throws -> T) throws -> T
  /// Where `key` lives, for error messages (a file's path; the key itself in memory).
  func location(_ key: String) -> String
}

extension StateStore {
  public func location(_ key: String) -> String { key }

  /// Decodes the JSON stored under `key`; a record that does not decode is a `StateError` naming its place.
  public func readJSON<T: Decodable>(_ type: T.Type, _ key: String) throws -> T? {
    guard let data = try read(key) else { return nil }
    return try decodeRecord(type, data, key: key)
  }

  /// Moves a record that cannot be read to `corrupt/<key>-<millis>`, logs where it went, and returns that
  /// place (`location` of the new key).
  @discardableResult
  public func setAside(_ key: String, _ data: Data, now: Date, reason: String, logger: Logger) throws
    -> String
  {
    let aside = StateKey.quarantine(key, at: now)
    try write(aside, data)
    try delete(key)
    logger.error(
      "STATE RECORD CORRUPT: moved aside, its key starts fresh",
      ["record": location(key), "movedTo": location(aside), "error": reason])
    return location(aside)
  }

  func decodeRecord<T: Decodable>(_ type: T.Type, _ data: Data, key: String) throws -> T {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    do {
      return try decoder.decode(type, from: data)
    } catch {
      throw StateError(
        corrupt: "state record \(location(key)) is corrupt (\(data.count) bytes): \(Self.reason(error))")
    }
  }

  /// A decoding error in one short line (the coding path and what was wrong), never the record's content.
  static func reason(_ error: Error) -> String {
    switch error as? DecodingError {
    case .dataCorrupted(let context)?: return "not valid JSON at \(path(context.codingPath))"
    case .keyNotFound(let key, let context)?:
      return "missing '\(key.stringValue)' at \(path(context.codingPath))"
    case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
      return "wrong type at \(path(context.codingPath))"
    default: return "cannot be decoded"
    }
  }

  private static func path(_ codingPath: [any CodingKey]) -> String {
    codingPath.isEmpty
      ? "the top level"
      : codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
        .joined(separator: ".")
  }

  /// Stores `value` as JSON under `key`.
  public func writeJSON(_ key: String, _ value: some Encodable) throws {
    try write(key, JSONCoding.encode(value, pretty: true))
  }
}

/// A state problem, naming the key and path.
public struct StateError: Error, Sendable, CustomStringConvertible {
  public var message: String
  /// The record exists but cannot be decoded (as opposed to a store that cannot be read or written).
  public var isCorrupt = false
  public var description: String { message }
  public init(_ message: String) { self.message = message }
  public init(corrupt message: String) {
    self.message = message
    self.isCorrupt = true
  }
}

/// Checks that a key is a relative path of safe segments (`website-status/samples/api`).
func validateStateKey(_ key: String) throws {
  let segments = key.split(separator: "/", omittingEmptySubsequences: false)
  guard !key.isEmpty,
    !segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." || $0.hasPrefix(".") }),
    key.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:@".contains($0) })
  else {
    throw StateError("invalid state key '\(key)': use letters, digits and '-_.:@' in '/'-separated segments")
  }
}

/// State kept in memory (tests, and `--state memory`).
public final class InMemoryStateStore: StateStore {
  private let values = Mutex<[String: Data]>([:])
  private let lock = RecursiveMutex()

  public init() {}

  public func read(_ key: String) throws -> Data? {
    try validateStateKey(key)
    return values.withLock { $0[key] }
  }

  public func write(_ key: String, _ data: Data) throws {
    try validateStateKey(key)
    values.withLock { $0[key] = data }
  }

  public func delete(_ key: String) throws {
    values.withLock { _ = $0.removeValue(forKey: key) }
  }

  public func keys(prefix: String) throws -> [String] {
    values.withLock { $0.keys.filter { $0.hasPrefix(prefix) }.sorted() }
  }

  public func withLock<T>(_ name: String, _ body: () throws -> T) throws -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body()
  }
}

/// A plain pthread mutex for `withLock` bodies that may call back into the store.
final class RecursiveMutex: @unchecked Sendable {
  // Safe: the pthread mutex is only touched through lock/unlock, which are thread-safe by definition.
  private var mutex = pthread_mutex_t()

  init() {
    var attributes = pthread_mutexattr_t()
    pthread_mutexattr_init(&attributes)
    pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_RECURSIVE))
    pthread_mutex_init(&mutex, &attributes)
    pthread_mutexattr_destroy(&attributes)
  }

  deinit { pthread_mutex_destroy(&mutex) }

  func lock() { pthread_mutex_lock(&mutex) }
  func unlock() { pthread_mutex_unlock(&mutex) }
}
