import Foundation
import TestSupport
import Testing
import VigilCore
import VigilCron
import VigilNet

/// The kinds of store the contract is run against.
enum Backend: String, CaseIterable, CustomTestStringConvertible {
  case folder, memory, redis, redisTLS, s3
  /// A folder written with group commit (`vigil serve`) beside a plain folder handle on the same folder.
  case folderGroupCommit
  /// Compare-and-set made of create-only versions, over memory and over the COS stand-in (which ignores
  /// If-Match and If-None-Match on PUT and honours only x-cos-forbid-overwrite).
  case memoryCreateOnly, cos
  var testDescription: String { rawValue }
}

/// Two independent handles on one fresh, empty store (two instances sharing it: for the folder two store
/// values on one folder, for Redis (plain and TLS) two connections under one fresh key prefix, for S3 two
/// clients under one fresh object prefix; memory has one handle).
func freshStore(_ backend: Backend) async throws -> (any StateStore, any StateStore) {
  switch backend {
  case .memory:
    let store = InMemoryStateStore()
    return (store, store)
  case .folder:
    let root = NSTemporaryDirectory() + "vigil-contract-\(UUID().uuidString)"
    return (try FileStateStore(root: root), try FileStateStore(root: root))
  case .folderGroupCommit:
    let root = NSTemporaryDirectory() + "vigil-contract-\(UUID().uuidString)"
    return (try FileStateStore(root: root, groupCommit: true), try FileStateStore(root: root))
  case .redis:
    let server = try await RedisTestPeer.server()
    let url =
      "redis://\(server.user):\(server.password)@127.0.0.1:\(server.port)/0?prefix=contract-\(UUID().uuidString):"
    let settings = try RedisStateSettings(url: url)
    return (RedisStateStore(settings: settings), RedisStateStore(settings: settings))
  case .redisTLS:
    let server = try await RedisTestPeer.tlsServer()
    let url =
      "rediss://\(server.user):\(server.password)@127.0.0.1:\(server.port)/0?ca_file=\(server.ca)&prefix=contract-\(UUID().uuidString):"
    let settings = try RedisStateSettings(url: url)
    return (RedisStateStore(settings: settings), RedisStateStore(settings: settings))
  case .s3:
    let settings = try S3StateSettings(
      url: try await S3TestPeer.url(), environment: try await S3TestPeer.credentials())
    return (S3StateStore(settings: settings), S3StateStore(settings: settings))
  case .memoryCreateOnly:
    let base = InMemoryStateStore()
    return (CreateOnlyCASStore(base: base), CreateOnlyCASStore(base: base))
  case .cos:
    let settings = try S3StateSettings(
      url: try await S3TestPeer.url(.cos, query: "&writes=create-only"),
      environment: try await S3TestPeer.credentials(.cos))
    #expect(settings.createOnlyWrites)
    return (
      CreateOnlyCASStore(base: S3StateStore(settings: settings)),
      CreateOnlyCASStore(base: S3StateStore(settings: settings))
    )
  }
}

/// The state contract, the same for every store: the alerting engine and the outbox are correct across
/// instances only if each of these holds.
@Suite struct StateStoreContractTests {
  @Test(arguments: Backend.allCases)
  func recordsRoundTripAreListedByPrefixAndDeleted(_ backend: Backend) async throws {
    let (store, other) = try await freshStore(backend)
    #expect(try await store.get("a/b.json") == nil)
    try await store.write("a/b.json", [UInt8]("one".utf8))
    try await store.write("a/c.json", [UInt8]("two".utf8))
    try await store.write("ab/d.json", [UInt8]("three".utf8))
    try await store.write("z.json", [UInt8]("four".utf8))
    #expect(try await other.read("a/b.json") == [UInt8]("one".utf8))
    try await other.write("a/b.json", [UInt8]("replaced".utf8))
    #expect(try await store.read("a/b.json") == [UInt8]("replaced".utf8))
    #expect(try await store.keys(prefix: "a/") == ["a/b.json", "a/c.json"])
    #expect(try await store.keys(prefix: "a") == ["a/b.json", "a/c.json", "ab/d.json"])
    #expect(try await other.keys(prefix: "") == ["a/b.json", "a/c.json", "ab/d.json", "z.json"])
    try await store.delete("a/b.json")
    try await store.delete("a/b.json")  // deleting what is gone is fine
    #expect(try await other.get("a/b.json") == nil)
    #expect(try await other.keys(prefix: "a/") == ["a/c.json"])
  }

  @Test(arguments: Backend.allCases)
  func createOnlyWinsOnceAndLeavesTheWinnersBytes(_ backend: Backend) async throws {
    let (store, other) = try await freshStore(backend)
    #expect(try await store.create("claims/tick-1", [UInt8]("first".utf8)))
    #expect(try await !other.create("claims/tick-1", [UInt8]("second".utf8)))
    #expect(try await other.read("claims/tick-1") == [UInt8]("first".utf8))
    // Eight claimants at once, half on each handle: exactly one wins.
    let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
      for index in 0..<8 {
        let handle = index % 2 == 0 ? store : other
        group.addTask { try await handle.create("claims/tick-2", [UInt8]("claimant \(index)".utf8)) }
      }
      return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
    }
    #expect(wins == 1)
  }

  @Test(arguments: Backend.allCases)
  func compareAndSetRefusesAStaleVersion(_ backend: Backend) async throws {
    let (store, other) = try await freshStore(backend)
    // A version from nowhere does not create a record.
    #expect(try await store.put("ledger", [UInt8]("x".utf8), if: .version(StateVersion("made-up"))) == nil)
    #expect(try await store.get("ledger") == nil)
    let first = try #require(try await store.put("ledger", [UInt8]("v1".utf8), if: .absent))
    let read = try #require(try await other.get("ledger"))
    #expect(read.version == first)
    let second = try #require(try await other.put("ledger", [UInt8]("v2".utf8), if: .version(read.version)))
    #expect(second != first)
    // The first writer's version is stale now: refused, and the record is the second writer's.
    #expect(try await store.put("ledger", [UInt8]("v1 again".utf8), if: .version(first)) == nil)
    #expect(try await store.get("ledger") == StateRecord(data: [UInt8]("v2".utf8), version: second))
    // Create-only on an existing record is refused too.
    #expect(try await store.put("ledger", [UInt8]("new".utf8), if: .absent) == nil)
  }

  /// `update` retried on what the other writer stored: forced by a store that lets another writer in
  /// between the first read and the first write.
  @Test(arguments: Backend.allCases)
  func updateRunsAgainOnWhatTheOtherWriterStored(_ backend: Backend) async throws {
    let (store, other) = try await freshStore(backend)
    try await store.write("counter", [UInt8]("10".utf8))
    let interfering = InterferingStore(
      inner: store, interloper: other, key: "counter", bytes: [UInt8]("100".utf8))
    var seen: [String] = []
    let result = try await interfering.update("counter") { record -> (store: [UInt8]?, result: Int) in
      let value = Int(String(decoding: record?.data ?? [UInt8](), as: UTF8.self)) ?? -1
      seen.append(String(value))
      return ([UInt8](String(value + 1).utf8), value + 1)
    }
    #expect(seen == ["10", "100"])
    #expect(result == 101)
    #expect(try await other.read("counter") == [UInt8]("101".utf8))
  }

  /// Eight writers on two handles add 4 each by read-modify-write: no update is lost or applied twice. (Each
  /// lost compare-and-set is another writer's won one, so with 32 updates none can lose its 40 attempts.)
  @Test(arguments: Backend.allCases)
  func concurrentUpdatesLoseNothing(_ backend: Backend) async throws {
    let (store, other) = try await freshStore(backend)
    try await withThrowingTaskGroup(of: Void.self) { group in
      for index in 0..<8 {
        let handle = index % 2 == 0 ? store : other
        group.addTask {
          for _ in 0..<4 {
            try await handle.updateJSON(Int.self, "counter") { value in value = (value ?? 0) + 1 }
          }
        }
      }
      try await group.waitForAll()
    }
    #expect(try await store.readJSON(Int.self, "counter") == 32)
  }

  @Test(arguments: Backend.allCases)
  func aLeaseIsHeldByOneOwnerReleasedOnlyByItAndExpiresByItself(_ backend: Backend) async throws {
    let (store, other) = try await freshStore(backend)
    #expect(try await store.acquireLease("sweep", owner: "instance-a", seconds: 60))
    #expect(try await !other.acquireLease("sweep", owner: "instance-b", seconds: 60))
    // The holder extends its own lease; another owner cannot release it.
    #expect(try await store.acquireLease("sweep", owner: "instance-a", seconds: 60))
    #expect(try await !other.releaseLease("sweep", owner: "instance-b"))
    #expect(try await !other.acquireLease("sweep", owner: "instance-b", seconds: 60))
    #expect(try await store.releaseLease("sweep", owner: "instance-a"))
    #expect(try await other.acquireLease("sweep", owner: "instance-b", seconds: 60))
    #expect(try await !store.releaseLease("sweep", owner: "instance-a"))
    // A holder that never releases (it was killed) blocks the others only until its lease ends. (The wait is
    // bounded generously: a loaded machine may take seconds to run this task again.)
    let started = Instant()
    #expect(try await store.acquireLease("short", owner: "instance-a", seconds: 3))
    let takenEarly = try await other.acquireLease("short", owner: "instance-b", seconds: 60)
    // Refused while it lasts (a machine so loaded that 3 s passed in between proves nothing either way).
    #expect(!takenEarly || Instant().timeIntervalSince(started) >= 3)
    var won = takenEarly
    while !won, Instant().timeIntervalSince(started) < 60 {
      won = try await other.acquireLease("short", owner: "instance-b", seconds: 60)
      if !won { try await Task.sleep(nanoseconds: 100_000_000) }
    }
    #expect(won)
    #expect(Instant().timeIntervalSince(started) >= 2.9)
  }

  @Test(arguments: Backend.allCases)
  func largeBinaryValuesRoundTrip(_ backend: Backend) async throws {
    let (store, other) = try await freshStore(backend)
    // 4 MiB of every byte value (CR, LF and NUL included), made off the cooperative pool: a debug build takes
    // a while, and other tests' timers need the pool.
    let bytes = await offPool {
      var generator = SeededGenerator(seed: 7)
      var words: [UInt64] = []
      words.reserveCapacity(1 << 19)
      for _ in 0..<(1 << 19) { words.append(generator.next()) }
      return words.withUnsafeBytes { [UInt8]($0) }
    }
    let version = try #require(try await store.put("big/blob", bytes, if: .absent))
    let read = try #require(try await other.get("big/blob"))
    #expect(read.data == bytes)
    #expect(read.version == version)
  }

  @Test(arguments: Backend.allCases)
  func badKeysAreRefusedByName(_ backend: Backend) async throws {
    let (store, _) = try await freshStore(backend)
    for key in ["", "../escape", "a/../../b", "/absolute", "a//b", ".hidden", "a/.locks/x", "sp ace", "ключ"]
    {
      do {
        try await store.write(key, [UInt8]("x".utf8))
        Issue.record("key '\(key)' was accepted")
      } catch let error as StateError {
        #expect(error.message.hasPrefix("invalid state key"), "\(error)")
      }
    }
  }

  @Test(arguments: Backend.allCases)
  func listingPagesThroughManyKeys(_ backend: Backend) async throws {
    let (store, other) = try await freshStore(backend)
    // Enough to page: Redis's SCAN walks 1000 at a time, S3 lists 1000 per page.
    // (Each write to the COS stand-in is three requests: 1,100 keys page too.)
    let count = [.redis, .redisTLS, .s3].contains(backend) ? 2_500 : backend == .cos ? 1_100 : 300
    let expected = (0..<count).map { "many/key-\(String(1_000_000 + $0))" }
    for key in expected { try await store.write(key, [UInt8](key.utf8)) }
    try await store.write("manyother/x", [UInt8]())
    #expect(try await other.keys(prefix: "many/") == expected)
  }
}

/// A store that lets `interloper` write `bytes` to `key` just before the first conditional write of it.
final class InterferingStore: StateStore, @unchecked Sendable {
  // Safe: `interfered` is only touched by the single task the test runs `update` on.
  let inner: any StateStore
  let interloper: any StateStore
  let key: String
  let bytes: [UInt8]
  var interfered = false

  init(inner: any StateStore, interloper: any StateStore, key: String, bytes: [UInt8]) {
    self.inner = inner
    self.interloper = interloper
    self.key = key
    self.bytes = bytes
  }

  func get(_ key: String) async throws -> StateRecord? { try await inner.get(key) }
  func put(_ key: String, _ data: [UInt8], if condition: StateCondition) async throws -> StateVersion? {
    if key == self.key, condition != .always, !interfered {
      interfered = true
      try await interloper.write(key, bytes)
    }
    return try await inner.put(key, data, if: condition)
  }
  func delete(_ key: String) async throws { try await inner.delete(key) }
  func keys(prefix: String) async throws -> [String] { try await inner.keys(prefix: prefix) }
}
