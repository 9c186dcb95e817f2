import Foundation
import Testing
import VigilCron

// The byte and text helpers that replace Foundation and _StringProcessing in the runtime, each checked against
// Foundation (which the tests may use) on the same inputs.
@Suite struct TextAndBytesTests {
  @Test(arguments: [
    ("hello world", "o w", true), ("hello", "", true), ("", "", true), ("", "a", false),
    ("abc", "abcd", false),
    ("aaab", "aab", true), ("漢字テキスト", "テキ", true), ("café", "fé", true), ("${env:X}", "${", true),
    ("ab", "ba", false),
  ])
  func searchFindsWhatFoundationFinds(text: String, needle: String, found: Bool) {
    #expect(text.includes(needle) == found)
    if let range = text.range(ofText: needle), !needle.isEmpty {
      #expect(String(text[range]) == needle)
      // The first occurrence, as Foundation's range(of:) finds it.
      let theirs = try? #require((text as NSString).range(of: needle).location)
      #expect(text.utf16.distance(from: text.startIndex, to: range.lowerBound) == theirs)
    }
  }

  @Test(arguments: [
    ("a-b-c", "-", "+"), ("aaaa", "aa", "b"), ("x", "", "y"), ("", "a", "b"),
    ("{url}/{url}", "{url}", "http://h"),
    ("one''two''", "''", "'"), ("漢字漢", "漢", "字"), ("abc", "abc", ""),
  ])
  func replacementMatchesFoundation(text: String, target: String, replacement: String) {
    let theirs = target.isEmpty ? text : text.replacingOccurrences(of: target, with: replacement)
    #expect(text.replacingEvery(target, with: replacement) == theirs)
  }

  @Test func elementSearchOnBytes() {
    let bytes: [UInt8] = [1, 13, 10, 13, 9, 13, 10, 13, 10, 7]
    #expect(bytes.firstRange(ofElements: [13, 10, 13, 10]) == 5..<9)
    #expect(bytes.firstRange(ofElements: [13, 10]) == 1..<3)
    #expect(bytes.firstRange(ofElements: [7, 8]) == nil)
    #expect(bytes.firstRange(ofElements: []) == 0..<0)
    #expect([UInt8]().firstRange(ofElements: [1]) == nil)
  }

  @Test func base64RoundTripsAgainstFoundation() {
    var generator = SystemRandomNumberGenerator()
    for length in 0..<200 {
      let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
      let ours = Base64.encode(bytes)
      #expect(ours == Data(bytes).base64EncodedString(), "length \(length)")
      #expect(Base64.decode(ours) == bytes, "length \(length)")
    }
  }

  @Test(arguments: ["abc", "a===", "ab c", "YQ", "YWI=YWI=", "Y*==", "YWJj\n"])
  func base64RefusesWhatFoundationRefuses(text: String) {
    #expect(Base64.decode(text) == nil)
    #expect(Data(base64Encoded: text) == nil, "Foundation agrees that '\(text)' is not base64")
  }

  // Stricter than Foundation, as RFC 4648 allows (3.3, 3.5): padding inside the text, only padding, and
  // non-zero bits after the last byte ("YR==" would otherwise read as "a").
  @Test(arguments: ["ab=c", "====", "YR==", "YWJ="])
  func base64RefusesMalformedPadding(text: String) {
    #expect(Base64.decode(text) == nil)
  }

  @Test func randomUUIDsAreVersion4AndDistinct() throws {
    var seen = Set<String>()
    for _ in 0..<1000 {
      let text = RandomUUID.make()
      let parsed = try #require(UUID(uuidString: text), "\(text) parses as a UUID")
      #expect(parsed.uuidString.lowercased() == text)
      let bytes = withUnsafeBytes(of: parsed.uuid) { Array($0) }
      #expect(bytes[6] >> 4 == 4, "version 4")
      #expect(bytes[8] >> 6 == 2, "RFC 4122 variant")
      seen.insert(text)
    }
    #expect(seen.count == 1000)
  }

  @Test func environmentMatchesFoundations() {
    #expect(ProcessEnvironment.current == ProcessInfo.processInfo.environment)
  }

  @Test func folderEntriesMatchFoundations() throws {
    let folder = NSTemporaryDirectory() + "vigil-entries-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for name in ["a.json", ".hidden", "漢字"] {
      #expect(FileManager.default.createFile(atPath: "\(folder)/\(name)", contents: Data("x".utf8)))
    }
    let ours = try #require(FileSystem.entries(of: folder)).sorted()
    #expect(ours == (try FileManager.default.contentsOfDirectory(atPath: folder)).sorted())
    #expect(ours == [".hidden", "a.json", "sub", "漢字"])
    #expect(FileSystem.entries(of: folder + "/a.json") == nil)
    #expect(FileSystem.entries(of: folder + "/missing") == nil)
    #expect(FileSystem.exists(folder + "/sub") && !FileSystem.exists(folder + "/nope"))
    #expect(FileSystem.isReadable(folder + "/a.json"))
  }

  @Test func instantArithmeticAndClock() {
    let start = Instant(timeIntervalSince1970: 1_000)
    #expect((start + 2.5).timeIntervalSince(start) == 2.5)
    #expect((start - 1).timeIntervalSince1970 == 999)
    #expect(start < start + 0.001)
    #expect(Instant.distantPast < start && start < Instant.distantFuture)
    // The system clock, as Foundation reads it, within a second.
    #expect(abs(Instant().timeIntervalSince1970 - Date().timeIntervalSince1970) < 1)
    #expect(Instant(timeIntervalSince1970: 0).description == "1970-01-01T00:00:00Z")
    #expect(Instant(timeIntervalSince1970: 1.5).description == "1970-01-01T00:00:01.500Z")
  }
}
