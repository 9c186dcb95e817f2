import Foundation
import TestSupport
import Testing

/// Log lines on standard error: readable text with the alert as a block on a terminal (a pseudo-terminal from
/// util-linux's `script`), JSON lines through a pipe, either one forced by VIGIL_LOG_FORMAT.
@Suite struct ConsoleOutputCLITests {
  /// A project whose one target refuses connections (port 9 on loopback), so the console channel fires.
  func project() throws -> String {
    try makeProject(
      "functions:\n  web:\n    handler: website-status\n",
      files: ["functions/web/config.yml": "targets:\n  - name: app\n    url: http://127.0.0.1:9/\n"])
  }

  func onTerminal(_ project: String, _ environment: [String: String]) async throws -> String {
    var base = ProcessInfo.processInfo.environment
    base["VIGIL_LOG_FORMAT"] = nil
    base["NO_COLOR"] = nil
    let command = "cd \(project) && \(RepositoryPaths.products)/vigil invoke web --state-dir \(project)/state"
    let output = try await runToEnd(
      ["script", "-qec", command, "/dev/null"], environment: base.merging(environment) { _, new in new })
    return String(decoding: output, as: UTF8.self)
  }

  @Test func aTerminalReadsTheAlertAsTextAndAPipeGetsJSONLines() async throws {
    let text = try await onTerminal(try project(), ["TERM": "xterm"])
    // The alert's title on the log line, then the notice as an indented block with its facts.
    #expect(text.contains("\u{1B}[33mWARN \u{1B}[0m [vigil] web: 1 firing  channel=console"), "\(text)")
    #expect(text.contains("\n    FIRING [critical] app is down: connection refused"), "\(text)")
    #expect(text.contains("\n      url: http://127.0.0.1:9/"), "\(text)")
    #expect(!text.contains("{\"level\""), "no JSON log lines on a terminal")
    let plain = try await onTerminal(try project(), ["TERM": "xterm", "NO_COLOR": "1"])
    #expect(plain.contains("WARN  [vigil] web: 1 firing") && !plain.contains("\u{1B}["), "\(plain)")
    let forcedJSON = try await onTerminal(try project(), ["VIGIL_LOG_FORMAT": "json"])
    #expect(forcedJSON.contains("\"msg\":\"[vigil] web: 1 firing\""), "\(forcedJSON)")

    // Through a pipe: JSON lines, one object per line, the alert's text escaped inside it.
    let piped = try await vigil(["invoke", "web"], in: try project())
    let lines = piped.stderr.split(separator: "\n")
    #expect(!lines.isEmpty)
    #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] })
    let forcedText = try await vigil(
      ["invoke", "web"], in: try project(), environment: ["VIGIL_LOG_FORMAT": "text"])
    #expect(forcedText.stderr.contains("\n    FIRING [critical] app is down"), "\(forcedText.stderr)")
    #expect(!forcedText.stderr.contains("\u{1B}["), "no colour into a pipe")
    let bad = try await vigil(["invoke", "web"], in: try project(), environment: ["VIGIL_LOG_FORMAT": "xml"])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("VIGIL_LOG_FORMAT must be json or text, found 'xml'"))
  }
}
