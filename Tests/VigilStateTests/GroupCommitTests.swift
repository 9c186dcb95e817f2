import Foundation
import Synchronization
import Testing
import VigilCore

/// A flush the test holds shut: each call blocks until `open()`, and is counted.
final class HeldFlush: Sendable {
  private let gate = DispatchSemaphore(value: 0)
  private let state = Mutex((calls: 0, open: false, failWith: Int32(0)))

  var calls: Int { state.withLock { $0.calls } }

  /// Lets the held call and every later one through.
  func open() {
    let wasOpen = state.withLock { state -> Bool in
      defer { state.open = true }
      return state.open
    }
    if !wasOpen { gate.signal() }
  }

  /// Later calls fail with `code` (as `syncfs` does on EIO).
  func fail(_ code: Int32) { state.withLock { $0.failWith = code } }

  func flush() -> Int32 {
    let (open, failure) = state.withLock { state -> (Bool, Int32) in
      state.calls += 1
      return (state.open, state.failWith)
    }
    if !open {
      gate.wait()
      gate.signal()
    }
    if failure != 0 {
      errno = failure
      return -1
    }
    return 0
  }
}

/// A count tasks share.
final class SharedCount: Sendable {
  private let count = Mutex(0)
  var value: Int { count.withLock { $0 } }
  func add() { count.withLock { $0 += 1 } }
}

/// The folder store's group commit (`vigil serve`): many writes share each sync, none returns before its sync.
@Suite struct GroupCommitTests {
  static func folder() -> String { NSTemporaryDirectory() + "vigil-group-\(UUID().uuidString)" }

  /// Waits (at most 30 s) until `condition` holds.
  static func until(_ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(30)
    while !condition() {
      if Date() > deadline { return false }
      try? await Task.sleep(nanoseconds: 1_000_000)
    }
    return true
  }

  @Test func writesStagedDuringAHeldFlushShareARoundAndNoneReturnsBeforeIt() async throws {
    let held = HeldFlush()
    let sync = GroupSync(describing: "test folder") { held.flush() }
    let root = Self.folder()
    let store = try FileStateStore(root: root, groupSync: sync)
    // Keys under different stripe locks: writes of one stripe wait for each other (the lock is held from the
    // condition's check to the rename), which is not what this test is about.
    var keys: [String] = []
    var stripes = Set<UInt64>()
    for index in 0..<1000 where keys.count < 40 {
      let key = "hosts/h\(index)/last.json"
      if stripes.insert(FileStateStore.stripe(of: key)).inserted { keys.append(key) }
    }
    let writers = keys.count
    #expect(writers == 40)
    let returned = SharedCount()
    try await withThrowingTaskGroup(of: Void.self) { group in
      for key in keys {
        group.addTask {
          try await store.write(key, [UInt8]("report \(key)".utf8))
          returned.add()
        }
      }
      // The first round is held at its flush: every write has staged its bytes and is in it or waits for the
      // next one.
      // (The round starts on its own thread: the flush is entered a moment after the first write waits.)
      #expect(
        await Self.until { sync.pending == writers && held.calls == 1 },
        "pending: \(sync.pending), flushes entered: \(held.calls)")
      #expect(held.calls == 1)
      #expect(returned.value == 0, "a write returned before any sync finished")
      // Not yet in place: the bytes are in the keys' spares, not under the keys.
      let plain = try FileStateStore(root: root)
      #expect(try await plain.get(keys[0]) == nil)
      held.open()
      try await group.waitForAll()
    }
    #expect(returned.value == writers)
    let (syncs, callers) = sync.counts
    // Every write was pending while the first flush was held: the held round's writes (its bytes' flush, then
    // the flush that makes their installs durable, which is also the next round's bytes' flush), then one
    // flush for the last installs: two or three flushes for 40 writes.
    #expect(callers == UInt64(writers))
    #expect(syncs == 2 || syncs == 3, "\(syncs) flushes for \(writers) writes")
    let plain = try FileStateStore(root: root)
    for key in keys {
      #expect(try await plain.read(key) == [UInt8]("report \(key)".utf8))
    }
  }

  @Test func concurrentUpdatesOfOneRecordLoseNothing() async throws {
    let store = try FileStateStore(root: Self.folder(), groupCommit: true)
    let updates = 30
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<updates {
        group.addTask {
          _ = try await store.update("heartbeats/hosts/web-1/last.json") {
            stored -> (store: [UInt8]?, result: Int) in
            let count = stored.flatMap { Int(String(decoding: $0.data, as: UTF8.self)) } ?? 0
            return ([UInt8](String(count + 1).utf8), count + 1)
          }
        }
      }
      try await group.waitForAll()
    }
    let final = try await store.read("heartbeats/hosts/web-1/last.json")
    #expect(final.map { String(decoding: $0, as: UTF8.self) } == String(updates))
  }

  @Test func aFailedSyncFailsTheWriteAndLeavesTheOldRecord() async throws {
    let held = HeldFlush()
    held.open()
    let sync = GroupSync(describing: "test folder") { held.flush() }
    let root = Self.folder()
    let store = try FileStateStore(root: root, groupSync: sync)
    try await store.write("hosts/web-1/last.json", [UInt8]("durable".utf8))
    held.fail(EIO)
    await #expect {
      try await store.write("hosts/web-1/last.json", [UInt8]("lost".utf8))
    } throws: { error in
      "\(error)".contains("cannot make the writes in test folder durable (syncfs): Input/output error")
    }
    #expect(try await store.read("hosts/web-1/last.json") == [UInt8]("durable".utf8))
    // The unsynced bytes stay in the key's spare, which the next write overwrites; nothing else is left.
    let left = try FileManager.default.contentsOfDirectory(atPath: root + "/hosts/web-1").sorted()
    #expect(left == [".spare-last.json", "last.json"])
    held.fail(0)
    try await store.write("hosts/web-1/last.json", [UInt8]("next".utf8))
    #expect(try await store.read("hosts/web-1/last.json") == [UInt8]("next".utf8))
  }
}
