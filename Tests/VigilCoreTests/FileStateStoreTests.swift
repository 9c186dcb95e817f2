import Foundation
import Testing
import VigilCron

@testable import VigilCore

@Suite struct RedactionAndLoggingTests {
  @Test func secretsNeverReachTheLog() throws {
    let redactor = Redactor()
    redactor.register("hunter2-password")
    redactor.register("abc")  // too short to register: would mask ordinary words
    let sink = CapturingSink(redactor: redactor)
    let logger = Logger(sink: sink, metadata: ["requestId": "r-1"])
    logger.info("login with hunter2-password failed for abc", ["detail": "pw=hunter2-password"])
    let record = try #require(sink.records.first)
    #expect(record.message == "login with *** failed for abc")
    #expect(record.fields["detail"] == "pw=***")
    #expect(record.fields["requestId"] == "r-1")
  }

  @Test(arguments: [
    (
      "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx",
      "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
    ),
    (
      "https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1&sign=xyz",
      "https://oapi.dingtalk.com/robot/send?access_token=***&timestamp=1&sign=***"
    ),
    ("https://user:pa55@example.com/x", "https://***@example.com/x"),
    ("http://127.0.0.1:8080/health?verbose=1", "http://127.0.0.1:8080/health?verbose=1"),
  ])
  func urlsAreRedacted(url: String, expected: String) {
    #expect(Redactor.redactURL(url) == expected)
  }

  @Test func levelsBelowTheMinimumAreDropped() {
    let sink = CapturingSink(redactor: Redactor())
    let logger = Logger(sink: sink, minimumLevel: .warning)
    logger.info("quiet")
    logger.error("loud")
    #expect(sink.records.map(\.message) == ["loud"])
  }
}

@Suite struct EventTests {
  func event(_ json: String) throws -> InvocationEvent {
    try InvocationEvent(data: [UInt8](json.utf8), source: "test")
  }

  @Test func recognisesEachEventShape() throws {
    let timer = try event(
      #"{"Type":"Timer","TriggerName":"every-minute","Time":"2019-02-21T11:49:00Z","Message":"arg"}"#)
    guard case .timer(let timerEvent) = timer else {
      Issue.record("not a timer: \(timer)")
      return
    }
    #expect(timerEvent.triggerName == "every-minute")
    #expect(timerEvent.message == "arg")

    let scheduled = try event(
      #"{"version":"0","id":"53dc4d37","detail-type":"Scheduled Event","source":"aws.events","account":"123","time":"2015-10-08T16:53:06Z","region":"us-east-1","resources":["arn:x"],"detail":{}}"#
    )
    guard case .scheduled(let scheduledEvent) = scheduled else {
      Issue.record("not scheduled: \(scheduled)")
      return
    }
    #expect(scheduledEvent.time == "2015-10-08T16:53:06Z")
    #expect(scheduledEvent.resources == ["arn:x"])

    let gateway = try event(
      #"{"httpMethod":"POST","path":"/heartbeat/web-1","headers":{"X-Token":"t"},"queryString":{"a":"1"},"body":"{\"cpu\":3}","isBase64Encoded":false,"requestContext":{"stage":"release"}}"#
    )
    guard case .gateway(let gatewayEvent) = gateway else {
      Issue.record("not gateway: \(gateway)")
      return
    }
    #expect(gatewayEvent.path == "/heartbeat/web-1")
    #expect(gatewayEvent.header("x-token") == "t")
    #expect(gatewayEvent.queryString == ["a": "1"])

    let raw = try event(#"{"targets":[{"url":"http://127.0.0.1"}]}"#)
    guard case .raw(let json) = raw else {
      Issue.record("not raw: \(raw)")
      return
    }
    #expect(json["targets"]?.arrayValue?.count == 1)
    guard case .raw(.object(let empty)) = try event("  \n") else {
      Issue.record("empty input is not an empty object")
      return
    }
    #expect(empty.isEmpty)
  }

  @Test func badJSONIsAClearError() throws {
    let error = try #require(throws: EventError.self) { try event("{\"Type\": \"Timer\",") }
    #expect(error.source == "test")
    #expect(error.description.hasPrefix("test: the event is not valid JSON"))
  }

  @Test func largeIntegersSurviveTheRoundTrip() throws {
    let value = try JSONValue.parse([UInt8](#"{"offset": 9007199254740993, "ratio": 0.5}"#.utf8))
    #expect(value["offset"] == .int(9_007_199_254_740_993))
    #expect(value["ratio"] == .double(0.5))
  }
}

@Suite struct EnvironmentSubstitutionTests {
  let substitution = EnvironmentSubstitution(environment: ["HOST": "db.local", "PORT": "5432"])
  let mark = SourceMark(file: "f.yml", line: 3, column: 10)

  @Test func substitutesValuesAndDefaults() throws {
    #expect(try substitution.substitute("${env:HOST}:${env:PORT}", at: mark) == "db.local:5432")
    #expect(try substitution.substitute("${env:MISSING, fallback value}", at: mark) == "fallback value")
    #expect(
      try substitution.substitute("${env:MISSING, 'quoted, with comma'}", at: mark) == "quoted, with comma")
    #expect(try substitution.substitute("no variables", at: mark) == "no variables")
  }

  @Test func missingVariableIsNamedAndLocated() throws {
    let error = try #require(throws: ConfigError.self) {
      try substitution.substitute("x ${env:SMTP_PASSWORD}", at: mark)
    }
    #expect(error.mark.column == 12)
    #expect(error.message.contains("environment variable SMTP_PASSWORD is not set"))
  }

  @Test func otherVariableFormsAreRefused() throws {
    #expect(throws: ConfigError.self) { try substitution.substitute("${self:custom.x}", at: mark) }
    #expect(throws: ConfigError.self) { try substitution.substitute("${env:HOST", at: mark) }
    #expect(throws: ConfigError.self) { try substitution.substitute("${env:BAD-NAME}", at: mark) }
  }
}

@Suite struct JSONParserTests {
  @Test func parsesEveryKindOfValue() throws {
    let text =
      #"{"s":"a\"b\\c\/d\n\u00e9\ud83d\ude00","i":-42,"big":9007199254740993,"d":1.5e-1,"t":true,"f":false,"n":null,"a":[1,[2],{}],"o":{"k":"v"},"e":""}"#
    let value = try JSONValue.parse([UInt8](text.utf8))
    #expect(value["s"] == .string("a\"b\\c/d\né😀"))
    #expect(value["i"] == .int(-42))
    #expect(value["big"] == .int(9_007_199_254_740_993))
    #expect(value["d"] == .double(0.15))
    #expect(value["t"] == .bool(true))
    #expect(value["f"] == .bool(false))
    #expect(value["n"] == .null)
    #expect(value["a"] == .array([.int(1), .array([.int(2)]), .object([:])]))
    #expect(value["o"] == .object(["k": .string("v")]))
    #expect(value["e"] == .string(""))
    // Round trip through the encoder.
    #expect(try JSONValue.parse([UInt8](value.encodedString().utf8)) == value)
  }

  @Test(arguments: [
    "", "{", "[1,", "{\"a\" 1}", "{\"a\":1,}", "tru", "01x", "\"unterminated", "\"bad \\q\"", "[1] 2",
    "{\"a\":\"\u{01}\"}", "1e999",
  ])
  func rejectsMalformedInput(text: String) {
    #expect(throws: (any Error).self) { try JSONValue.parse([UInt8](text.utf8)) }
  }

  @Test func deepNestingIsRefused() {
    let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
    #expect(throws: (any Error).self) { try JSONValue.parse([UInt8](deep.utf8)) }
  }
}

@Suite struct FileStateStoreRecoveryTests {
  @Test func abandonedTemporariesAreSweptOnceTheyAreOld() throws {
    let root = NSTemporaryDirectory() + "vigil-state-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileManager.default.createDirectory(atPath: root + "/alerts", withIntermediateDirectories: true)
    let old = root + "/alerts/.tmp-123-1"
    let young = root + "/alerts/.tmp-123-2"
    try Data("half a write".utf8).write(to: URL(fileURLWithPath: old))
    try Data("a live write".utf8).write(to: URL(fileURLWithPath: young))
    try Data("{}".utf8).write(to: URL(fileURLWithPath: root + "/alerts/web.json"))
    let hourAgo = Date().addingTimeInterval(-3600)
    try FileManager.default.setAttributes([.modificationDate: hourAgo], ofItemAtPath: old)
    _ = try FileStateStore(root: root)
    #expect(!FileManager.default.fileExists(atPath: old))
    #expect(FileManager.default.fileExists(atPath: young))
    #expect(FileManager.default.fileExists(atPath: root + "/alerts/web.json"))
  }

  /// A key written again and again swaps between two inodes (the key and its spare) instead of creating and
  /// deleting one per write; each write is whole, and listings show the key only. Both with and without group
  /// commit.
  @Test(arguments: [false, true]) func aBusyKeyReusesTwoInodes(groupCommit: Bool) async throws {
    let root = NSTemporaryDirectory() + "vigil-state-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let store = try FileStateStore(root: root, groupCommit: groupCommit)
    var inodes = Set<UInt64>()
    for round in 0..<20 {
      // Sizes that grow and shrink: the spare is cut to each record's length.
      let record = [UInt8]("report \(round) ".utf8) + [UInt8](repeating: 120, count: (round * 37) % 300)
      try await store.write("heartbeats/hosts/web-1/last.json", record)
      #expect(try await store.read("heartbeats/hosts/web-1/last.json") == record)
      var info = stat()
      #expect(stat(root + "/heartbeats/hosts/web-1/last.json", &info) == 0)
      inodes.insert(UInt64(info.st_ino))
    }
    #expect(inodes.count == 2, "inodes used by 20 writes: \(inodes.count)")
    #expect(try await store.keys(prefix: "heartbeats/") == ["heartbeats/hosts/web-1/last.json"])
    try await store.delete("heartbeats/hosts/web-1/last.json")
    #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/heartbeats/hosts/web-1").isEmpty)
  }

  /// A reader that opened a key just before it was replaced holds the key's old inode, which the next write
  /// reuses as its spare: that write must not touch the inode while the reader holds it. The reader is
  /// simulated exactly (the old inode open, under the shared lock every read takes); the store waits 0.3 s for
  /// it, then gives up with a `.contended` error, and the held inode still has every byte it had.
  @Test(arguments: [false, true]) func aWriteNeverRewritesAnInodeAReaderHolds(groupCommit: Bool) async throws
  {
    let root = NSTemporaryDirectory() + "vigil-state-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    let store = try FileStateStore(
      root: root, groupSync: groupCommit ? try GroupSync(root: root) : nil, lockWait: 0.3)
    let key = "heartbeats/hosts/web-1/last.json"
    let first = [UInt8](repeating: 65, count: 30_000)
    try await store.write(key, first)
    // The reader opens the key and takes its lock, as a read does...
    let reader = open(root + "/" + key, O_RDONLY)
    #expect(reader >= 0)
    defer { close(reader) }
    #expect(flock(reader, LOCK_SH) == 0)
    // ...then a write swaps the key away: the reader's inode is now the spare.
    try await store.write(key, [UInt8](repeating: 66, count: 200))
    // The next write would rewrite that inode: it waits for the reader, and gives up rather than tear it.
    let error = await #expect(throws: StateError.self) {
      try await store.write(key, [UInt8](repeating: 67, count: 100))
    }
    #expect(error?.message.contains("locked") == true, "\(String(describing: error))")
    var held = [UInt8](repeating: 0, count: 40_000)
    let count = held.withUnsafeMutableBytes { pread(reader, $0.baseAddress, $0.count, 0) }
    #expect(count == first.count && held.prefix(count).allSatisfy { $0 == 65 }, "\(count) bytes")
    #expect(try await store.read(key) == [UInt8](repeating: 66, count: 200))
    // Once the reader lets go, writing goes on.
    #expect(flock(reader, LOCK_UN) == 0)
    try await store.write(key, [UInt8](repeating: 68, count: 100))
    #expect(try await store.read(key) == [UInt8](repeating: 68, count: 100))
  }

  @Test func aCorruptRecordIsNamedAndNotQuoted() async throws {
    let root = NSTemporaryDirectory() + "vigil-state-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let store = try FileStateStore(root: root)
    try await store.write("alerts/web.json", [UInt8]("{\"keys\": {\"password-like-content\": ".utf8))
    let error = try await #require(throws: StateError.self) {
      try await store.readJSON([String: String].self, "alerts/web.json")
    }
    #expect(error.isCorrupt)
    #expect(error.message.contains(root + "/alerts/web.json"), "\(error.message)")
    #expect(!error.message.contains("password-like-content"))
    #expect(!error.message.contains("DecodingError"))
  }
}
