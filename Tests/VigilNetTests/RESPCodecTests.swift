import Testing

@testable import VigilNet

/// RESP2 as Redis speaks it (redis.io/docs/latest/develop/reference/protocol-spec): commands as arrays of bulk
/// strings; every reply type; every truncation and every limit an error, never a crash.
@Suite struct RESPCodecTests {
  func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

  @Test func commandsAreArraysOfBulkStrings() {
    #expect(
      RESPCodec.encode(["SET", "lease:m1", "A", "NX", "PX", "30000"])
        == bytes("*6\r\n$3\r\nSET\r\n$8\r\nlease:m1\r\n$1\r\nA\r\n$2\r\nNX\r\n$2\r\nPX\r\n$5\r\n30000\r\n"))
    // Binary-safe: CR, LF and NUL inside a value are just bytes of a counted string.
    #expect(
      RESPCodec.encode([[0x0D, 0x0A, 0x00]]) == [42, 49, 13, 10, 36, 51, 13, 10, 0x0D, 0x0A, 0x00, 13, 10])
    #expect(RESPCodec.encode([String]()) == bytes("*0\r\n"))
  }

  @Test func everyReplyType() throws {
    #expect(try RESPCodec.decode(bytes("+OK\r\n")) == .simple("OK"))
    #expect(
      try RESPCodec.decode(bytes("-WRONGPASS invalid username-password pair or user is disabled.\r\n"))
        == .error("WRONGPASS invalid username-password pair or user is disabled."))
    #expect(try RESPCodec.decode(bytes(":-42\r\n")) == .integer(-42))
    #expect(try RESPCodec.decode(bytes("$5\r\nhello\r\n")) == .bulk(bytes("hello")))
    #expect(try RESPCodec.decode(bytes("$0\r\n\r\n")) == .bulk([]))
    #expect(try RESPCodec.decode(bytes("$-1\r\n")) == .bulk(nil))
    #expect(try RESPCodec.decode(bytes("*-1\r\n")) == .array(nil))
    #expect(try RESPCodec.decode(bytes("*0\r\n")) == .array([]))
    #expect(
      try RESPCodec.decode(bytes("*3\r\n$1\r\na\r\n:7\r\n*2\r\n+x\r\n$-1\r\n"))
        == .array([.bulk(bytes("a")), .integer(7), .array([.simple("x"), .bulk(nil)])]))
    // A bulk string may hold CRLF: its length, not a delimiter, ends it.
    #expect(try RESPCodec.decode(bytes("$4\r\na\r\nb\r\n")) == .bulk(bytes("a\r\nb")))
    #expect(try RESPCodec.decode(bytes("$5\r\nhello\r\n")).text == "hello")
    #expect(try RESPCodec.decode(bytes("$-1\r\n")).isNull)
  }

  /// Every prefix of a valid reply is "ended early", never a crash or a wrong value.
  @Test func everyTruncationIsAnError() throws {
    let whole = bytes("*3\r\n$5\r\nhello\r\n:12\r\n*1\r\n-ERR no\r\n")
    _ = try RESPCodec.decode(whole)
    for cut in 0..<whole.count {
      #expect(throws: RESPError.self) { try RESPCodec.decode(Array(whole.prefix(cut))) }
    }
  }

  @Test(arguments: [
    ("$2147483648\r\n", "a bulk string of 2147483648 bytes"),
    ("*9999999999\r\n", "an array of 9999999999 elements"),
    ("$-2\r\n", "a bulk string of -2 bytes"),
    ("$3\r\nabcd\r\n", "not ended by CRLF"),
    (":12x\r\n", "'12x' is not an integer"),
    (":99999999999999999999\r\n", "is not an integer"),
    ("+OK\n", "LF without CR"),
    ("+OK\rX", "CR not followed by LF"),
    ("%2\r\n", "RESP3 is not spoken"),
    ("+OK\r\n+OK\r\n", "bytes after the reply"),
    (String(repeating: "*1\r\n", count: 9) + ":1\r\n", "nested deeper than 8"),
    ("+" + String(repeating: "x", count: 70_000) + "\r\n", "a line longer than 65536 bytes"),
  ])
  func brokenOrHostileRepliesAreRefused(reply: String, reason: String) {
    do {
      _ = try RESPCodec.decode(bytes(reply))
      Issue.record("accepted \(reply.prefix(40).debugDescription)")
    } catch {
      #expect(error.description.contains(reason), "\(error)")
    }
  }
}
