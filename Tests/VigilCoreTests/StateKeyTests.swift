import Foundation
import TestSupport
import Testing

@testable import VigilCore

/// State keys made from configured names are injective: two names never share a record.
@Suite struct StateKeyTests {
  static let tricky = [
    "shop api", "shop_api", "shop-api", "shop.api", "shop@20api", "shop%20api", "shop/api", "shop\\api",
    ".hidden", "_hidden", "@", "", "日本", "e\u{301}", "\u{e9}", "a@", "a@2", "a@2F", "..", ".",
  ]

  @Test func differentNamesNeverShareASegment() throws {
    let segments = Self.tricky.map(StateKey.segment)
    #expect(Set(segments).count == Set(Self.tricky.map { Array($0.utf8) }).count, "\(segments)")
    // Worked by hand from ASCII: a space is 0x20, '@' is 0x40, a leading '.' is 0x2E.
    #expect(StateKey.segment("shop api") == "shop@20api")
    #expect(StateKey.segment("shop_api") == "shop_api")
    #expect(StateKey.segment("shop@20api") == "shop@4020api")
    #expect(StateKey.segment(".hidden") == "@2Ehidden")
    #expect(StateKey.segment("a/b") == "a@2Fb")
  }

  @Test func everySegmentIsAValidKeyAndReadsBack() throws {
    var generator = SeededGenerator(seed: 7)
    let alphabet = Array("ab _-.@/%:日\u{301}\u{0}\n")
    var names = Self.tricky
    for _ in 0..<2_000 {
      let length = Int.random(in: 0...12, using: &generator)
      names.append(
        String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }))
    }
    for name in names {
      let segment = StateKey.segment(name)
      #expect(StateKey.name(ofSegment: segment) == name, "\(name.debugDescription) -> \(segment)")
      #expect(throws: Never.self) { try validateStateKey("alerts/\(segment).json") }
    }
    // Distinct by bytes (Swift's == treats "é" and "e\u{301}" as one string; their keys stay apart).
    #expect(Set(names.map(StateKey.segment)).count == Set(names.map { Array($0.utf8) }).count)
  }

  @Test func aSegmentThatWasNotMadeHereIsRefused() {
    #expect(StateKey.name(ofSegment: "bad@Z") == nil)
    #expect(StateKey.name(ofSegment: "bad@") == nil)
    #expect(StateKey.name(ofSegment: "@FF") == nil)  // not UTF-8
  }
}
