import Foundation
import Testing
import VigilCore
import VigilCron

// Vigil's own Codable encoder and decoder (the runtime has no Foundation), checked against Foundation's
// JSONEncoder/JSONDecoder and JSONSerialization, which the tests may use: the same values must come out.
@Suite struct JSONCodingTests {
  struct Inner: Codable, Equatable {
    var name: String
    var tags: [String]
    var ratio: Double?
  }

  enum Level: String, Codable { case info, critical }

  struct Record: Codable, Equatable {
    var id: Int
    var small: Int8
    var big: UInt64
    var negative: Int64
    var flag: Bool
    var level: Level
    var text: String
    var nothing: String?
    var nested: Inner
    var list: [Inner]
    var map: [String: Int]
    var grid: [[Int]]
    var fraction: Float
  }

  static let sample = Record(
    id: 42, small: -7, big: 9_007_199_254_740_993, negative: -9_000_000_000, flag: true, level: .critical,
    text: "quote \" slash / back \\ tab \t newline \n é 漢字 \u{01}", nothing: nil,
    nested: Inner(name: "a", tags: ["x", "y"], ratio: 0.1), list: [Inner(name: "b", tags: [], ratio: nil)],
    map: ["z": 1, "a": 2], grid: [[1, 2], [], [3]], fraction: 1.5)

  /// Parses JSON text with Foundation into plain values, for comparing two encoders' outputs.
  static func foundationValue(_ bytes: [UInt8]) throws -> NSObject {
    try #require(JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) as? NSObject)
  }

  @Test func encodesWhatFoundationEncodes() throws {
    let ours = try JSONCoding.encode(Self.sample)
    let theirs = try JSONEncoder().encode(Self.sample)
    #expect(try Self.foundationValue(ours) == Self.foundationValue(Array(theirs)))
    // Nil optionals are left out, as Foundation does.
    #expect(!String(decoding: ours, as: UTF8.self).contains("nothing"))
  }

  @Test func decodesWhatFoundationWrites() throws {
    let theirs = try JSONEncoder().encode(Self.sample)
    #expect(try JSONCoding.decode(Record.self, from: Array(theirs)) == Self.sample)
    let ours = try JSONCoding.encode(Self.sample, pretty: true)
    #expect(try JSONDecoder().decode(Record.self, from: Data(ours)) == Self.sample)
  }

  @Test func prettyOutputHasFoundationsLayout() throws {
    let text = try JSONCoding.encodeString(["b": [1, 2], "a": [] as [Int]], pretty: true)
    #expect(text == "{\n  \"a\" : [],\n  \"b\" : [\n    1,\n    2\n  ]\n}")
  }

  @Test func keysAreSortedAndSlashesPlain() throws {
    #expect(try JSONCoding.encodeString(["b": "/x", "a": "y"]) == #"{"a":"y","b":"/x"}"#)
  }

  @Test(arguments: [
    (#"{"id": 1.5}"#, "id"),  // a fraction for an integer
    (#"{"id": 300}"#, "id"),  // out of range for Int8
    (#"{"id": "1"}"#, "id"),  // a string for a number
    (#"{"id": null}"#, "id"),  // null for a required value
    (#"{}"#, "id"),  // missing
  ])
  func wrongShapesNameTheirPath(json: String, key: String) throws {
    struct Small: Codable { var id: Int8 }
    #expect(throws: DecodingError.self) { try JSONCoding.decode(Small.self, from: Array(json.utf8)) }
    do {
      _ = try JSONCoding.decode(Small.self, from: Array(json.utf8))
    } catch let error as DecodingError {
      let path: [any CodingKey]
      switch error {
      case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
        path = context.codingPath
      case .keyNotFound(let missing, _): path = [missing]
      @unknown default: path = []
      }
      #expect(path.map(\.stringValue) == [key], "\(error)")
    }
  }

  @Test func integralDoublesDecodeAsIntegers() throws {
    struct Counter: Codable { var count: Int }
    #expect(try JSONCoding.decode(Counter.self, from: Array(#"{"count": 3.0}"#.utf8)).count == 3)
  }

  @Test func malformedJSONNamesTheByte() throws {
    #expect {
      try JSONCoding.decode([Int].self, from: Array("[1, 2".utf8))
    } throws: { error in
      "\(error)".contains("at byte 5")
    }
  }

  @Test func nonFiniteNumbersAreRefused() throws {
    #expect(throws: EncodingError.self) { try JSONCoding.encode([Double.infinity]) }
    #expect(throws: EncodingError.self) { try JSONCoding.encode(["x": Double.nan]) }
  }

  @Test func instantsAreISO8601InUTC() throws {
    struct Stamped: Codable, Equatable { var at: Instant }
    let whole = Stamped(at: Instant(timeIntervalSince1970: 1_764_820_275))
    #expect(try JSONCoding.encodeString(whole) == #"{"at":"2025-12-04T03:51:15Z"}"#)
    let fraction = Stamped(at: Instant(timeIntervalSince1970: 1_764_820_275.25))
    #expect(try JSONCoding.encodeString(fraction) == #"{"at":"2025-12-04T03:51:15.250Z"}"#)
    #expect(try JSONCoding.decode(Stamped.self, from: JSONCoding.encode(fraction)) == fraction)
    // What Foundation's .iso8601 strategy wrote (records from before Vigil had its own encoder) still reads.
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    struct Dated: Codable { var at: Date }
    let old = try encoder.encode(Dated(at: Date(timeIntervalSince1970: 1_764_820_275)))
    #expect(try JSONCoding.decode(Stamped.self, from: Array(old)) == whole)
    // Another offset names the same instant.
    let shanghai = try JSONCoding.decode(
      Stamped.self, from: Array(#"{"at":"2025-12-04T11:51:15+08:00"}"#.utf8))
    #expect(shanghai == whole)
    #expect(throws: DecodingError.self) {
      try JSONCoding.decode(Stamped.self, from: Array(#"{"at":"2025-12-04 03:51:15"}"#.utf8))
    }
  }

  @Test func jsonValuesPassThroughUnchanged() throws {
    let value = JSONValue.object(["n": .int(9_007_199_254_740_993), "d": .double(0.5), "a": .array([.null])])
    #expect(try JSONValue.from(value) == value)
    #expect(try JSONCoding.decode(JSONValue.self, from: JSONCoding.encode(value)) == value)
  }

  @Test func classesAndSuperEncodersWork() throws {
    class Base: Codable { var a = 1 }
    final class Derived: Base, @unchecked Sendable {
      var b = 2
      enum Keys: CodingKey { case b }
      override init() { super.init() }
      required init(from decoder: any Decoder) throws {
        b = try decoder.container(keyedBy: Keys.self).decode(Int.self, forKey: .b)
        try super.init(from: decoder.container(keyedBy: Keys.self).superDecoder())
      }
      override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(b, forKey: .b)
        try super.encode(to: container.superEncoder())
      }
    }
    let ours = try JSONCoding.encode(Derived())
    #expect(
      try Self.foundationValue(ours) == Self.foundationValue(Array(try JSONEncoder().encode(Derived()))))
    let back = try JSONCoding.decode(Derived.self, from: ours)
    #expect(back.a == 1 && back.b == 2)
  }
}
