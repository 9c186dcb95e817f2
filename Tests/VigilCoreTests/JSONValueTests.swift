import Foundation
import Testing

@testable import VigilCore

@Suite struct JSONValueTests {
  /// The direct writer agrees byte for byte with Foundation's encoder under Vigil's settings.
  @Test(arguments: [
    JSONValue.object([
      "b": .string("line\nbreak \"quoted\" back\\slash tab\t bell\u{07} /slash/ 汉字 emoji 🚨"), "a": .int(-42),
      "c": .array([.double(12.5), .double(41), .double(-0.25), .bool(true), .null, .object([:]), .array([])]),
      "Z": .object(["nested": .string("\u{1F}\u{0}")]),
    ]),
    .string(""), .int(Int64.max), .double(1e-7), .double(123_456_789.125),
  ])
  func matchesFoundationsEncoder(value: JSONValue) throws {
    #expect(value.encodedString() == (try JSONCoding.encodeString(value)))
  }

  @Test func roundTrips() throws {
    let value = JSONValue.object(["k": .array([.string("v\u{0}"), .int(1), .double(2.5)])])
    #expect(try JSONValue.parse([UInt8](value.encodedString().utf8)) == value)
  }
}
