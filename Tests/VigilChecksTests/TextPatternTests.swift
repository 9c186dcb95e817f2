import Foundation
import Testing

@testable import VigilChecks

// Regular expressions for `body matches` and form-scrape extraction: POSIX extended syntax (the C library's
// regcomp) with the \d \w \s shorthands; checked against Foundation's NSRegularExpression (ICU) on patterns
// both dialects read the same way.
@Suite struct TextPatternTests {
  @Test(arguments: [
    ("^v[0-9]+$", "v12", true), ("^v[0-9]+$", "v12x", false), (#"\d{3}"#, "ab123", true),
    (#"\d{3}"#, "ab12", false),
    (#"\"status\": \"[A-Z]+\""#, #"{"status": "UP"}"#, true), ("a|b", "xbx", true), ("(ab)+c", "ababc", true),
    (#"\s+ok$"#, "all   ok", true), (#"\w+@\w+"#, "mail x@y now", true), ("[^a-c]", "abc", false),
    (#"[\d.]+"#, "v1.25", true), ("colou?r", "color", true), (#"^\S+$"#, "no spaces", false),
    ("[]x]", "]", true), (#"a\.b"#, "axb", false), (#"a\.b"#, "a.b", true), ("^$", "", true),
  ])
  func matchesLikeICU(pattern: String, text: String, expected: Bool) throws {
    let ours = try TextPattern(pattern)
    let matched = ours.matches(text)
    #expect(matched == expected, "/\(pattern)/ on \(text)")
    let icu = try NSRegularExpression(pattern: pattern)
    let found = icu.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    #expect(found == expected, "ICU agrees on /\(pattern)/ and \(text)")
  }

  @Test func capturesTheGroups() throws {
    let pattern = try TextPattern(#""alltime":"([0-9.]+)".*"dns":"(\d+)?""#)
    let groups = pattern.groupCount
    #expect(groups == 2)
    let found = pattern.firstMatch(in: #"{"alltime":"0.213","dns":""}"#)
    let match = try #require(found)
    #expect(match.count == 3)
    #expect(match[1] == "0.213")
    #expect(match[2] == nil, "a group that took no part")
    let plain = try TextPattern("no groups")
    #expect(plain.groupCount == 0)
  }

  @Test func capturesAroundMultibyteText() throws {
    let pattern = try TextPattern("延迟([0-9]+)毫秒")
    let found = pattern.firstMatch(in: "节点 延迟42毫秒 正常")
    let match = try #require(found)
    #expect(match[0] == "延迟42毫秒")
    #expect(match[1] == "42")
  }

  @Test func textAfterANulByteIsSearched() throws {
    let anywhere = try TextPattern("after")
    let whole = try TextPattern("^before.after$")
    let foundAnywhere = anywhere.matches("before\u{0}after")
    #expect(foundAnywhere)
    // POSIX's `.` matches any byte but NUL.
    let foundWhole = whole.matches("before\u{0}after")
    #expect(!foundWhole)
  }

  @Test(arguments: ["[unclosed", "(open", "a{2,1}", "*start", #"\"#])
  func badPatternsAreErrorsWithAReason(pattern: String) {
    #expect {
      _ = try TextPattern(pattern)
    } throws: { error in
      !"\(error)".isEmpty && (error as? TextPattern.SyntaxError) != nil
    }
  }

  @Test func shorthandsBecomePOSIXClasses() {
    #expect(TextPattern.translated(#"\d+\.\d*"#) == #"[0-9]+\.[0-9]*"#)
    #expect(TextPattern.translated(#"[\d\s-]"#) == "[0-9[:space:]-]")
    #expect(TextPattern.translated("[[:alpha:]\\d]") == "[[:alpha:]0-9]")
    #expect(TextPattern.translated(#"a\tb"#) == "a\tb")
  }
}
