import Testing
import VigilCore

@testable import VigilRuntime

/// An hour document is written one target at a time; the bytes stay those of the whole tree.
@Suite struct HistoryStreamingTests {
  @Test(arguments: [false, true]) func anHourIsWrittenAsItsTreeWroteIt(maintenance: Bool) throws {
    var hour = HistoryHour(hour: 1_796_612_400)
    for index in 0..<3_000 {
      var points: [HistoryPoint] = []
      for run in 0..<(index % 4) {
        points.append(
          HistoryPoint(
            time: 1_796_612_400 + Int64(run * 60), up: (index + run) % 3 != 0,
            figures: run == 0 ? [:] : ["status": 200, "total": Double(index) / 7, "dns": 0.125]))
      }
      hour.targets["t\(index) \"名\""] = points
    }
    if maintenance { hour.maintenance = [1_796_612_460, 1_796_616_000] }
    for pretty in [true, false] {
      let tree = try JSONValueEncoder.encode(hour)
      #expect(
        try JSONCoding.encodeString(hour, pretty: pretty)
          == (pretty ? tree.prettyString() : tree.encodedString()),
        "pretty: \(pretty)")
    }
    // As bytes (how the store gets it), the same.
    #expect(try JSONCoding.encode(hour) == Array(JSONValueEncoder.encode(hour).encodedString().utf8))
    // And it reads back as it was.
    #expect(try JSONCoding.decode(HistoryHour.self, from: JSONCoding.encode(hour)) == hour)
    let empty = HistoryHour(hour: 0)
    #expect(try JSONCoding.encodeString(empty, pretty: true) == JSONValueEncoder.encode(empty).prettyString())
  }
}
