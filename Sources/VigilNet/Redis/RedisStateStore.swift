import Synchronization
import VigilCore

/// The state store on a Redis server, shared by every instance that reaches it. A record is a hash
/// (`<prefix>r:<key>` holding `v`, its version, and `d`, its bytes); create-only and compare-and-set writes are
/// Lua scripts, so each is one atomic step on the server. Leases are `SET NX PX` strings (`<prefix>l:<name>`)
/// that the server expires by itself; only their owner's token releases them. Listing walks `SCAN`, never
/// `KEYS`. One connection, made on first use and made again after any failure.
package final class RedisStateStore: StateStore {
  package let settings: RedisStateSettings
  private let current = Mutex<RedisConnection?>(nil)

  package init(settings: RedisStateSettings) {
    self.settings = settings
  }

  package var displayName: String { settings.displayName }

  package func location(_ key: String) -> String { "\(settings.displayName) key \(settings.recordKey(key))" }

  static let putIfAbsent = """
    if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
    redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
    return 1
    """
  static let putIfVersion = """
    if redis.call('HGET', KEYS[1], 'v') ~= ARGV[3] then return 0 end
    redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
    return 1
    """
  static let acquire = """
    local holder = redis.call('GET', KEYS[1])
    if holder == false then
      redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
      return 1
    elseif holder == ARGV[1] then
      redis.call('PEXPIRE', KEYS[1], ARGV[2])
      return 1
    end
    return 0
    """
  static let release = """
    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
    return 0
    """

  package func get(_ key: String) async throws -> StateRecord? {
    try validateStateKey(key)
    let reply = try await run(["HMGET", settings.recordKey(key), "v", "d"], for: key)
    guard case .array(let fields?) = reply, fields.count == 2 else {
      throw StateError("\(location(key)): HMGET answered \(reply)")
    }
    switch (fields[0], fields[1]) {
    case (.bulk(nil), .bulk(nil)): return nil
    case (.bulk(let version?), .bulk(let data?)):
      return StateRecord(data: [UInt8](data), version: StateVersion(String(decoding: version, as: UTF8.self)))
    default:
      throw StateError(
        corrupt: "\(location(key)) is not a record Vigil wrote (its 'v' or 'd' field is missing)")
    }
  }

  package func put(_ key: String, _ data: [UInt8], if condition: StateCondition) async throws -> StateVersion?
  {
    try validateStateKey(key)
    let version = Self.newVersion()
    let recordKey = settings.recordKey(key)
    let reply: RESPValue
    switch condition {
    case .always:
      reply = try await run(
        bytes: [bytes("HSET"), bytes(recordKey), bytes("v"), bytes(version), bytes("d"), Array(data)],
        for: key)
      return StateVersion(version)
    case .absent:
      reply = try await run(
        bytes: [
          bytes("EVAL"), bytes(Self.putIfAbsent), bytes("1"), bytes(recordKey), bytes(version), Array(data),
        ],
        for: key)
    case .version(let expected):
      reply = try await run(
        bytes: [
          bytes("EVAL"), bytes(Self.putIfVersion), bytes("1"), bytes(recordKey), bytes(version), Array(data),
          bytes(expected.token),
        ], for: key)
    }
    guard case .integer(let won) = reply else { throw StateError("\(location(key)): EVAL answered \(reply)") }
    return won == 1 ? StateVersion(version) : nil
  }

  package func delete(_ key: String) async throws {
    try validateStateKey(key)
    _ = try await run(["DEL", settings.recordKey(key)], for: key)
  }

  /// At most this many keys are listed for one prefix (a store holding more is reported, not walked).
  package static let maxListedKeys = 1_000_000

  package func keys(prefix: String) async throws -> [String] {
    let head = settings.recordKey("")
    let pattern = Self.globEscaped(head + prefix) + "*"
    var cursor = "0"
    var found = Set<String>()
    repeat {
      let reply = try await run(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"], for: prefix)
      guard case .array(let parts?) = reply, parts.count == 2, let next = parts[0].text,
        case .array(let batch?) = parts[1]
      else { throw StateError("\(settings.displayName): SCAN answered \(reply)") }
      for item in batch {
        guard let name = item.text, name.hasPrefix(head) else { continue }
        found.insert(String(name.dropFirst(head.count)))
      }
      if found.count > Self.maxListedKeys {
        throw StateError(
          "\(settings.displayName): more than \(Self.maxListedKeys) keys start with '\(prefix)'; clean the store"
        )
      }
      cursor = next
    } while cursor != "0"
    return found.sorted()
  }

  package func acquireLease(_ name: String, owner: String, seconds: Double) async throws -> Bool {
    let millis = String(max(1, Int((seconds * 1000).rounded(.up))))
    let reply = try await run(["EVAL", Self.acquire, "1", settings.leaseKey(name), owner, millis], for: name)
    return reply == .integer(1)
  }

  package func releaseLease(_ name: String, owner: String) async throws -> Bool {
    let reply = try await run(["EVAL", Self.release, "1", settings.leaseKey(name), owner], for: name)
    return reply == .integer(1)
  }

  private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

  private func run(_ arguments: [String], for key: String) async throws -> RESPValue {
    try await run(bytes: arguments.map { Array($0.utf8) }, for: key)
  }

  /// One command on the connection; a server refusal is a `.failed` error with the server's words, a
  /// connection that failed is `.unavailable` and is dropped (the next command connects again).
  private func run(bytes arguments: [[UInt8]], for key: String) async throws -> RESPValue {
    let connection = try await connection()
    let command = String(decoding: arguments.first ?? [], as: UTF8.self)
    let reply: RESPValue
    do {
      reply = try await connection.send(bytes: arguments)
    } catch {
      current.withLock { if $0 === connection { $0 = nil } }
      throw StateError("state store \(settings.displayName) unavailable: \(error)", kind: .unavailable)
    }
    if case .error(let message) = reply {
      throw StateError(
        "state store \(settings.displayName) refused \(command) on '\(key.excerpt())': \(message.excerpt(200))"
      )
    }
    return reply
  }

  private func connection() async throws -> RedisConnection {
    if let connection = current.withLock({ $0 }) { return connection }
    let made: RedisConnection
    do {
      made = try await RedisConnection.connect(
        host: settings.host, port: settings.port, user: settings.user, password: settings.password,
        database: settings.database, connectTimeout: settings.connectTimeout, ioTimeout: settings.ioTimeout,
        tls: settings.tls)
    } catch {
      switch error {
      case .refused(let command, let message):
        throw StateError(
          "state store \(settings.displayName) refused \(command): \(message.excerpt(200))"
            + (command == "AUTH" ? " (check the user and the password in the state URL)" : ""))
      default:
        throw StateError("state store \(settings.displayName) unavailable: \(error)", kind: .unavailable)
      }
    }
    return current.withLock { connection in
      if let existing = connection { return existing }
      connection = made
      return made
    }
  }

  /// A fresh version token: 128 random bits.
  static func newVersion() -> String {
    var generator = SystemRandomNumberGenerator()
    let high = generator.next() as UInt64
    let low = generator.next() as UInt64
    return String(high, radix: 16) + String(low, radix: 16)
  }

  /// `text` with Redis glob characters escaped, for `SCAN MATCH`.
  static func globEscaped(_ text: String) -> String {
    var result = ""
    for character in text {
      if "*?[]\\".contains(character) { result.append("\\") }
      result.append(character)
    }
    return result
  }
}
