import Testing

@testable import VigilChecks

/// The plugin output format of the monitoring-plugins development guidelines: text | perfdata on the first
/// line, long text on later lines, more perfdata after the first later `|` to the end.
@Suite struct NagiosOutputTests {
  @Test func firstLinePerfdataWithQuotedLabelsUnitsAndRanges() {
    let output = NagiosOutput(
      text:
        "DISK OK - free space: / 3326 MB (56%); | '/ root'=2643MB;5948;5958;0;5968 'it''s'=5% load1=0.5;1:2;@3:4 time=U\n"
    )
    #expect(output.summary == "DISK OK - free space: / 3326 MB (56%);")
    #expect(output.longText.isEmpty)
    #expect(
      output.perfdata == [
        .init(label: "/ root", value: 2643, unit: "MB", warn: "5948", crit: "5958", min: 0, max: 5968),
        .init(label: "it's", value: 5, unit: "%", warn: nil, crit: nil, min: nil, max: nil),
        .init(label: "load1", value: 0.5, unit: "", warn: "1:2", crit: "@3:4", min: nil, max: nil),
        .init(label: "time", value: nil, unit: "", warn: nil, crit: nil, min: nil, max: nil),
      ])
  }

  @Test func longTextAndLongPerfdataOnLaterLines() {
    let output = NagiosOutput(
      text: "PROCS WARNING: 3 zombies | zombies=3;1;5\nzombie 101\nzombie 102 | rss=10kB\ncpu=3%;80;90\n")
    #expect(output.summary == "PROCS WARNING: 3 zombies")
    #expect(output.longText == ["zombie 101", "zombie 102 "])
    #expect(output.perfdata.map(\.label) == ["zombies", "rss", "cpu"])
    #expect(output.perfdata[1].unit == "kB" && output.perfdata[2].crit == "90")
  }

  @Test func unreadableItemsAreSetAsideAndStatesFollowTheExitStatus() {
    let output = NagiosOutput(text: "OK | =3 novalue= fine=1 weird=12x34\r\n")
    #expect(output.summary == "OK")
    #expect(output.perfdata.map(\.label) == ["fine"])
    #expect(output.unreadable == ["=3", "novalue=", "weird=12x34"])
    #expect(
      [0, 1, 2, 3, 4, 255].map { NagiosOutput.State(exitStatus: $0) } == [
        .ok, .warning, .critical, .unknown, .unknown, .unknown,
      ])
    #expect(NagiosOutput(text: "").summary.isEmpty)
  }
}
