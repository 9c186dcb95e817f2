import Foundation
import TestSupport
import Testing
import VigilCore
import VigilCron
import VigilNet

@testable import VigilChecks

/// The website-status result is written one target at a time; what is printed must stay the bytes the whole
/// tree gave (the encoder every earlier version used), pretty and compact, in config order.
@Suite(.serialized) struct WebsiteStatusStreamingTests {
  /// The tree writer's output: the result as one `JSONValue`, then written.
  static func tree(_ result: WebsiteStatusResult, pretty: Bool) throws -> String {
    let json = try JSONValueEncoder.encode(result)
    return pretty ? json.prettyString() : json.encodedString()
  }

  @Test func twoThousandRealTargetsAreWrittenAsTheTreeWroteThem() async throws {
    let base = try await HTTPTestPeer.httpBase()
    // Up, a wrong status, a failed body condition, refused, in turn: 2,000 targets at concurrency 64.
    let down = "http://127.0.0.1:\(unusedLoopbackPort())/"
    let targets = (0..<2_000).map { index -> String in
      switch index % 4 {
      case 0: return "  - {name: \"t\(index)\", url: '\(base)/ok'}"
      case 1: return "  - {name: \"t\(index)\", url: '\(base)/status/503', conditions: [\"status == 200\"]}"
      case 2:
        return
          "  - {name: \"t\(index) \\\"q\\\"\", url: '\(base)/ok', conditions: [\"body contains \\\"x\\\"\"]}"
      default: return "  - {name: \"t\(index)\", url: '\(down)'}"
      }
    }
    let yaml = "concurrency: 64\ntargets:\n" + targets.joined(separator: "\n") + "\n"
    let context = Context(
      requestID: "req-1", functionName: "website-status", region: "ap-test", memoryLimitMB: 64,
      timeLimit: 120,
      deadline: Instant().addingTimeInterval(120), environment: [:], logger: .silent,
      state: InMemoryStateStore(), clock: SystemClock(),
      configuration: ConfigValue(
        try YAMLParser.parse(yaml, file: "config.yml"), path: "config",
        substitution: EnvironmentSubstitution(environment: [:])))
    let result = try await WebsiteStatusHandler().handle(.raw(.object([:])), context: context)
    #expect(result.targets.count == 2_000)
    #expect(result.targets.map(\.name).prefix(4) == ["t0", "t1", "t2 \"q\"", "t3"])
    #expect(result.targets.map(\.name).last == "t1999")
    // Every kind of outcome is in it (how many of the up ones answered in time on a loaded machine is not
    // what this test is about).
    #expect(result.up > 0 && result.down >= 1_500, "up \(result.up), down \(result.down)")
    for pretty in [true, false] {
      let streamed = try JSONCoding.encodeString(result, pretty: pretty)
      #expect(streamed == (try Self.tree(result, pretty: pretty)), "pretty: \(pretty)")
    }
    // And through the handler output as `vigil invoke` prints it: in pieces of about 64 KB, never whole.
    final class Pieces { var all: [String] = [] }
    let pieces = Pieces()
    try HandlerOutput(value: result).write(pretty: true) { pieces.all.append($0) }
    #expect(pieces.all.joined() == (try Self.tree(result, pretty: true)))
    #expect(pieces.all.count > 5, "\(pieces.all.count) pieces")
    #expect(pieces.all.allSatisfy { $0.utf8.count < (1 << 16) + 4_096 })
  }

  @Test func everyFieldAndEdgeIsWrittenAsTheTreeWroteIt() throws {
    let timings = HTTPTimings(
      dnsMs: 0.125, connectMs: 1, tlsMs: 0, firstByteMs: 12.5, transferMs: 0.001, totalMs: 1e16,
      redirectMs: 0)
    let full = TargetResult(
      name: "名前 \"quoted\"\n\t\\", url: "https://example.com/a?b=c", up: false, status: 500,
      error: "refused\u{01}", errorKind: "refused",
      failedConditions: [.init(condition: "status == 200", actual: "500")], timings: timings,
      remoteIP: "127.0.0.1", httpVersion: "HTTP/2", bytes: 1_234, bodyTruncated: true,
      certificateExpiry: 1_800_000_000)
    let bare = TargetResult(
      name: "bare", url: "http://x/", up: true, status: nil, error: nil, errorKind: nil, failedConditions: [],
      timings: nil, remoteIP: nil, httpVersion: nil, bytes: nil, bodyTruncated: nil)
    for targets in [[], [full], [bare, full, bare]] {
      let result = WebsiteStatusResult(
        function: "f", checkedAt: "2026-12-07T00:00:00.000+00:00", up: 1, down: 2, targets: targets,
        alertCandidates: [])
      for pretty in [true, false] {
        #expect(
          try JSONCoding.encodeString(result, pretty: pretty) == (try Self.tree(result, pretty: pretty)),
          "\(targets.count) targets, pretty: \(pretty)")
      }
    }
  }
}

/// In-flight checks are bounded by memory as well as by count: the bodies that may be held at once fit half the
/// function's memory.
@Suite struct WebsiteStatusInFlightTests {
  static func config(concurrency: Int, bodies: [String]) throws -> WebsiteStatusConfig {
    let targets = bodies.enumerated().map { index, body in
      "  - {name: t\(index), url: 'http://127.0.0.1:9/'\(body.isEmpty ? "" : ", maxBodyBytes: \(body)")}"
    }
    return try WebsiteStatusConfig.read(
      ConfigValue(
        try YAMLParser.parse(
          "concurrency: \(concurrency)\ntargets:\n" + targets.joined(separator: "\n") + "\n",
          file: "config.yml"),
        path: "config", substitution: EnvironmentSubstitution(environment: [:])))
  }

  @Test(arguments: [
    // concurrency, each target's maxBodyBytes ("" = the 1 MB default), function memory (MB) → at once
    (64, ["", ""], 64, 32),  // 32 MB of bodies at 1 MB each
    (64, ["", ""], 128, 64),
    (16, ["", ""], 64, 16),  // the count is the smaller bound
    (64, ["65536", "65536"], 64, 64),  // small bodies: count decides
    (64, ["65536", "8388608"], 64, 4),  // the largest body decides: 32 MB / 8 MB
    (8, ["67108864"], 64, 1),  // never fewer than one
  ])
  func atOnceIsTheSmallerOfCountAndMemory(
    concurrency: Int, bodies: [String], memoryMB: Int, expected: Int
  ) throws {
    let config = try Self.config(concurrency: concurrency, bodies: bodies)
    #expect(WebsiteStatusHandler.inFlightLimit(config, memoryLimitMB: memoryMB) == expected)
  }
}
