import Synchronization
import VigilCron

/// State kept in this process's memory (tests, `vigil channel test`, `--state memory`): the same contract as
/// every store, shared by the invocations of one process and lost with it.
public final class InMemoryStateStore: StateStore, StateEntryListing {
  private struct Entry {
    var data: [UInt8]
    var version: UInt64
    var modified: Instant
  }
  private struct Contents {
    var entries: [String: Entry] = [:]
    var writes: UInt64 = 0
  }
  private let contents = Mutex(Contents())
  private let now: @Sendable () -> Instant

  /// An empty store.
  public init() { now = { Instant() } }

  /// A store whose writes are dated by `now` (tests of what expires).
  package init(now: @escaping @Sendable () -> Instant) { self.now = now }

  /// `memory (this process only)`.
  public var displayName: String { "memory (this process only)" }

  /// The record under `key`, or nil.
  public func get(_ key: String) async throws -> StateRecord? {
    try validateStateKey(key)
    return contents.withLock { contents in
      contents.entries[key].map { StateRecord(data: $0.data, version: StateVersion(String($0.version))) }
    }
  }

  /// Writes `data` under `key` if `condition` holds; nil when it did not.
  public func put(_ key: String, _ data: [UInt8], if condition: StateCondition) async throws -> StateVersion?
  {
    try validateStateKey(key)
    let modified = now()
    return contents.withLock { contents -> StateVersion? in
      let current = contents.entries[key]
      switch condition {
      case .always: break
      case .absent: if current != nil { return nil }
      case .version(let version): if current.map({ String($0.version) }) != version.token { return nil }
      }
      contents.writes += 1
      contents.entries[key] = Entry(data: data, version: contents.writes, modified: modified)
      return StateVersion(String(contents.writes))
    }
  }

  /// Removes `key`.
  public func delete(_ key: String) async throws {
    try validateStateKey(key)
    contents.withLock { _ = $0.entries.removeValue(forKey: key) }
  }

  /// The keys starting with `prefix`, sorted.
  public func keys(prefix: String) async throws -> [String] {
    try await entries(prefix: prefix).map(\.key)
  }

  package func entries(prefix: String) async throws -> [StateEntry] {
    contents.withLock { contents in
      contents.entries.filter { $0.key.hasPrefix(prefix) }
        .map { StateEntry(key: $0.key, size: $0.value.data.count, modified: $0.value.modified) }
        .sorted { $0.key < $1.key }
    }
  }
}
