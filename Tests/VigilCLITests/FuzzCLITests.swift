import Foundation
import TestSupport
import Testing

/// The configuration loader end to end: `vigil validate` over the shipped project with one function's
/// config.yml mutated (seeded). Every run exits 0 (valid) or 2 (problems), never by a signal, and each problem
/// names the mutated file with a line and column inside it.
@Suite struct FuzzCLITests {
  static let configs = [
    "website-status", "kafka-backlog", "host-resources", "heartbeat-watchdog", "heartbeat-ingest",
    "status-page",
    "region-latency",
  ]

  @Test(.timeLimit(.minutes(3))) func validateLocatesEveryProblemInAMutatedCheckConfig() async throws {
    var mutator = Mutator(seed: 0xC0_4F16)
    let base = try makeProject(
      String(contentsOfFile: RepositoryPaths.root + "/serverless.yml", encoding: .utf8))
    try FileManager.default.copyItem(atPath: RepositoryPaths.root + "/functions", toPath: base + "/functions")
    var problems: [String] = []
    var outcomes: [Int32: Int] = [:]
    for index in 0..<600 {
      let name = Self.configs[index % Self.configs.count]
      let path = "functions/\(name)/config.yml"
      let original = try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.root + "/" + path))
      let mutated = mutator.mutate(Array(original))
      try Data(mutated).write(to: URL(fileURLWithPath: base + "/" + path))
      defer { try? original.write(to: URL(fileURLWithPath: base + "/" + path)) }
      let run = try await vigil(
        ["validate"], in: base, environment: ["KAFKA_PASSWORD": "k-s3cret-pass"], timeout: 30)
      outcomes[run.status, default: 0] += 1
      let lines = String(decoding: mutated, as: UTF8.self).split(
        omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
      switch run.status {
      case 0: continue
      case 2:
        for line in run.stderr.split(separator: "\n") where line.hasPrefix("error: ") {
          let located = line.dropFirst(7)
          guard located.hasPrefix(path + ":") else {
            problems.append("case \(index): not located in \(path): \(line.prefix(300))")
            continue
          }
          let place = located.dropFirst(path.count + 1).split(separator: ":", maxSplits: 2)
          guard place.count == 3, let row = Int(place[0]), let column = Int(place[1]),
            (1...max(1, lines.count)).contains(row), column >= 1, column <= lines[row - 1].count + 2
          else {
            problems.append("case \(index): bad place in \(line.prefix(300))")
            continue
          }
          if line.count > 1_500 {
            problems.append(
              "case \(index): a \(line.count)-character error: \(line.prefix(400)) … \(line.suffix(200))")
          }
        }
        if run.stderr.contains("k-s3cret-pass") { problems.append("case \(index): the password was shown") }
      default:
        problems.append("case \(index): exit \(run.status): \(run.stderr.suffix(300))")
      }
      if problems.count > 20 { break }
    }
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    // Both outcomes occur: the mutations are not all fatal, nor all harmless.
    #expect(outcomes[0, default: 0] > 0 && outcomes[2, default: 0] > 0, "\(outcomes)")
  }
}
