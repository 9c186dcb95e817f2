import Foundation
import TestSupport
import Testing
import VigilCron

@testable import VigilNet

/// `RedisConnection` against Debian's redis-server on loopback (`peers/redis_peer.py`: an ACL user with a
/// password, the default user off): the primitives the shared state store will build on.
@Suite struct RedisConnectionTests {
  func connect() async throws -> RedisConnection {
    let server = try await RedisTestPeer.server()
    return try await RedisConnection.connect(
      host: "127.0.0.1", port: server.port, user: server.user, password: server.password)
  }

  @Test func authenticatedCommandsAndBinaryValues() async throws {
    let redis = try await connect()
    #expect(try await redis.send(["PING"]) == .simple("PONG"))
    let key = "vigil-test:\(UUID().uuidString)"
    try await redis.expectOK(["SET", key, "line one\r\nline two"])
    #expect(try await redis.send(["GET", key]) == .bulk(Array("line one\r\nline two".utf8)))
    #expect(try await redis.send(["GET", key + ":missing"]) == .bulk(nil))
    #expect(try await redis.send(["DEL", key]) == .integer(1))
  }

  /// A lease as the state store will take it: `SET NX PX` wins once while it lasts, and expires by itself.
  @Test func aLeaseIsWonOnceAndExpires() async throws {
    let redis = try await connect()
    let key = "vigil-test:lease:\(UUID().uuidString)"
    #expect(try await redis.send(["SET", key, "owner-a", "NX", "PX", "60000"]) == .simple("OK"))
    #expect(try await redis.send(["SET", key, "owner-b", "NX", "PX", "60000"]) == .bulk(nil))
    #expect(try await redis.send(["GET", key]) == .bulk(Array("owner-a".utf8)))
    // A short one: expiry is the server's; wait (bounded) until the key is gone, then another owner wins.
    let short = key + ":short"
    #expect(try await redis.send(["SET", short, "owner-a", "NX", "PX", "100"]) == .simple("OK"))
    let deadline = Instant().addingTimeInterval(10)
    while try await redis.send(["EXISTS", short]) == .integer(1), Instant() < deadline {
      try await Task.sleep(nanoseconds: 50_000_000)
    }
    #expect(try await redis.send(["SET", short, "owner-b", "NX", "PX", "60000"]) == .simple("OK"))
    #expect(try await redis.send(["DEL", key, short]) == .integer(2))
  }

  @Test func aWrongPasswordIsTheServersRefusalAndNeverShown() async throws {
    let server = try await RedisTestPeer.server()
    do {
      _ = try await RedisConnection.connect(
        host: "127.0.0.1", port: server.port, user: server.user, password: "not-the-password-9f2c")
      Issue.record("a wrong password was accepted")
    } catch {
      #expect(error.description.hasPrefix("Redis refused AUTH: WRONGPASS"), "\(error)")
      #expect(!error.description.contains("not-the-password-9f2c"))
    }
    // Without AUTH the default user is off: every command is refused.
    let anonymous = try await RedisConnection.connect(host: "127.0.0.1", port: server.port)
    guard case .error(let message) = try await anonymous.send(["GET", "x"]) else {
      Issue.record("an unauthenticated command was answered")
      return
    }
    #expect(message.hasPrefix("NOAUTH"), "\(message)")
  }

  @Test func nothingListeningIsAConnectionError() async throws {
    do {
      _ = try await RedisConnection.connect(host: "127.0.0.1", port: unusedLoopbackPort(), connectTimeout: 2)
      Issue.record("connected to nothing")
    } catch {
      guard case .connection = error else {
        Issue.record("\(error)")
        return
      }
    }
  }
}
