import Foundation
import TestSupport
import Testing
import VigilCore
import VigilNet

/// Redis over TLS: the server's certificate is verified; one the system does not trust is refused by name.
@Suite struct RedisTLSStoreTests {
  @Test func aCertificateFromAnUnknownCAIsRefused() async throws {
    let server = try await RedisTestPeer.tlsServer()
    let store = RedisStateStore(
      settings: try RedisStateSettings(
        url: "rediss://\(server.user):\(server.password)@127.0.0.1:\(server.port)/0"))
    do {
      _ = try await store.get("a")
      Issue.record("an untrusted certificate was accepted")
    } catch let error as StateError {
      #expect(error.kind == .unavailable, "\(error)")
      #expect(error.message.lowercased().contains("certificate"), "\(error)")
      #expect(!error.message.contains(server.password))
    }
    // Plain RESP to the TLS port is no answer either: a clear error, not a hang.
    let plain = RedisStateStore(
      settings: try RedisStateSettings(
        url: "redis://\(server.user):\(server.password)@127.0.0.1:\(server.port)/0?timeout=2"))
    await #expect(throws: StateError.self) { try await plain.get("a") }
  }
}
