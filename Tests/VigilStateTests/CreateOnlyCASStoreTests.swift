import Foundation
import Synchronization
import TestSupport
import Testing
import VigilCore
import VigilCron
import VigilNet

/// Compare-and-set made of create-only versions (for Tencent COS, which has no conditional PUT): what the
/// contract suite cannot see from outside - the versions kept, a stale writer that finds its number free
/// again, tombstones and their expiry - and the COS stand-in being as unkind as COS.
@Suite struct CreateOnlyCASStoreTests {
  /// The version objects the base holds for `key`.
  func versions(_ base: InMemoryStateStore, _ key: String) async throws -> [String] {
    try await base.entries(prefix: key + "/@v/").map(\.key)
  }

  /// Superseded versions stay for the superseded lifetime (so no number is ever written twice while a writer
  /// that read it could still try), then a read removes them; the newest always stays.
  @Test func supersededVersionsAreKeptForTheirLifetimeThenRemoved() async throws {
    let clock = Mutex(Instant(timeIntervalSince1970: 1_800_000_000))
    let base = InMemoryStateStore(now: { clock.withLock { $0 } })
    let store = CreateOnlyCASStore(base: base, supersededLifetime: 600, now: { clock.withLock { $0 } })
    let first = try #require(try await store.put("ledger", [UInt8]("a".utf8), if: .absent))
    #expect(first == StateVersion("1"))
    let second = try #require(try await store.put("ledger", [UInt8]("b".utf8), if: .version(first)))
    try await store.write("ledger", [UInt8]("c".utf8))
    #expect(second == StateVersion("2"))
    #expect(try await store.read("ledger") == [UInt8]("c".utf8))
    #expect(try await versions(base, "ledger").count == 3)
    // A live version is a marker byte and the data.
    #expect(try await base.get("ledger/@v/000000000003")?.data == [UInt8]([1]) + [UInt8]("c".utf8))
    clock.withLock { $0 += 599 }
    _ = try await store.get("ledger")
    #expect(try await versions(base, "ledger").count == 3)
    clock.withLock { $0 += 2 }
    #expect(try await store.read("ledger") == [UInt8]("c".utf8))
    #expect(try await versions(base, "ledger") == ["ledger/@v/000000000003"])
  }

  /// A writer that read version 1 while others wrote 2 and 3: its compare-and-set is the create of 2, which
  /// exists (superseded versions are kept), so it is refused and the record is still the third write's.
  @Test func aStaleWriterIsRefused() async throws {
    let base = InMemoryStateStore()
    let store = CreateOnlyCASStore(base: base)
    let stale = try #require(try await store.put("ledger", [UInt8]("one".utf8), if: .absent))
    let two = try #require(try await store.put("ledger", [UInt8]("two".utf8), if: .version(stale)))
    _ = try #require(try await store.put("ledger", [UInt8]("three".utf8), if: .version(two)))
    #expect(try await store.put("ledger", [UInt8]("late".utf8), if: .version(stale)) == nil)
    #expect(try await store.put("ledger", [UInt8]("late".utf8), if: .version(two)) == nil)
    #expect(try await store.read("ledger") == [UInt8]("three".utf8))
  }

  /// A deletion is an empty version: listings skip it without reading, a create after it starts the next
  /// number, a compare-and-set on the version before it is refused, and a listing removes it once it is older
  /// than the tombstone lifetime.
  @Test func deletionsAreTombstonesThatExpire() async throws {
    let clock = Mutex(Instant(timeIntervalSince1970: 1_800_000_000))
    let base = InMemoryStateStore(now: { clock.withLock { $0 } })
    let store = CreateOnlyCASStore(base: base, tombstoneLifetime: 600, now: { clock.withLock { $0 } })
    let live = try #require(try await store.put("outbox/pending/a", [UInt8]("entry".utf8), if: .absent))
    try await store.write("outbox/pending/b", [UInt8]("other".utf8))
    try await store.delete("outbox/pending/a")
    #expect(
      try await versions(base, "outbox/pending/a") == [
        "outbox/pending/a/@v/000000000001", "outbox/pending/a/@v/000000000002",
      ])
    #expect(try await base.get("outbox/pending/a/@v/000000000002")?.data == [UInt8]())
    #expect(try await store.get("outbox/pending/a") == nil)
    #expect(try await store.keys(prefix: "outbox/pending/") == ["outbox/pending/b"])
    #expect(try await store.put("outbox/pending/a", [UInt8]("stale".utf8), if: .version(live)) == nil)
    // Young tombstones stay through listings; old ones are removed by the next listing.
    clock.withLock { $0 += 599 }
    _ = try await store.keys(prefix: "outbox/")
    #expect(try await versions(base, "outbox/pending/a").count == 2)
    clock.withLock { $0 += 2 }
    #expect(try await store.keys(prefix: "outbox/") == ["outbox/pending/b"])
    #expect(try await versions(base, "outbox/pending/a").isEmpty)
    // Created again from nothing.
    #expect(try await store.put("outbox/pending/a", [UInt8]("again".utf8), if: .absent) == StateVersion("1"))
  }

  @Test func theVersionSegmentIsReserved() async throws {
    let store = CreateOnlyCASStore(base: InMemoryStateStore())
    await #expect(throws: StateError.self) { try await store.write("a/@v/000000000001", [UInt8]()) }
    do {
      try await store.write("x/@v", [UInt8]())
      Issue.record("the reserved segment was accepted")
    } catch let error as StateError {
      #expect(error.message.contains("'@v' is reserved"), "\(error)")
    }
  }

  /// The stand-in answers as COS documents PUT Object: If-Match is ignored, so the plain S3 store's
  /// compare-and-set silently overwrites a newer version there (why COS needs the versions); and
  /// x-cos-forbid-overwrite refuses to replace an object (409 FileAlreadyExists, read as "exists").
  @Test func theCOSStandInHasNoConditionalPut() async throws {
    let environment = try await S3TestPeer.credentials(.cos)
    let plain = S3StateStore(
      settings: try S3StateSettings(url: try await S3TestPeer.url(.cos), environment: environment))
    #expect(!plain.settings.createOnlyWrites)
    let first = try #require(try await plain.put("ledger", [UInt8]("one".utf8), if: .always))
    try await plain.write("ledger", [UInt8]("two".utf8))
    #expect(try await plain.put("ledger", [UInt8]("stale".utf8), if: .version(first)) != nil)
    #expect(try await plain.read("ledger") == [UInt8]("stale".utf8), "the stand-in honoured If-Match")
    let settings = try S3StateSettings(
      url: try await S3TestPeer.url(.cos, query: "&writes=create-only"), environment: environment)
    let createOnly = S3StateStore(settings: settings)
    #expect(try await createOnly.put("claim", [UInt8]("first".utf8), if: .absent) != nil)
    #expect(try await createOnly.put("claim", [UInt8]("second".utf8), if: .absent) == nil)
    #expect(try await createOnly.read("claim") == [UInt8]("first".utf8))
    await #expect(throws: StateError.self) {
      _ = try await createOnly.put("claim", [UInt8](), if: .version(StateVersion("\"etag\"")))
    }
  }

  @Test func aCOSEndpointMeansCreateOnlyWritesUnlessTold() throws {
    let environment = ["TENCENTCLOUD_SECRETID": "id", "TENCENTCLOUD_SECRETKEY": "key"]
    let cos =
      "s3://bucket-1250000000/vigil?region=ap-guangzhou&endpoint=https://cos.ap-guangzhou.myqcloud.com"
    #expect(try S3StateSettings(url: cos, environment: environment).createOnlyWrites)
    #expect(try !S3StateSettings(url: cos + "&writes=conditional", environment: environment).createOnlyWrites)
    #expect(try !S3StateSettings(url: "s3://bucket/vigil", environment: environment).createOnlyWrites)
    #expect(
      try S3StateSettings(url: "s3://bucket/vigil?writes=create-only", environment: environment)
        .createOnlyWrites)
    #expect {
      _ = try S3StateSettings(url: "s3://bucket/vigil?writes=sometimes", environment: environment)
    } throws: { error in
      "\(error)".contains("writes must be conditional (If-Match) or create-only, found 'sometimes'")
    }
  }
}
