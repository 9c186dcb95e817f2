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

  /// Concurrent `vigil validate` processes, each on a project copy of its own: process start-up dominates a
  /// case, so lanes keep a loaded machine's cores busy instead of waiting on one spawn at a time.
  static let lanes = 4

  @Test(.timeLimit(.minutes(6))) func validateLocatesEveryProblemInAMutatedCheckConfig() async throws {
    // The 600 mutations, drawn in order from one seed (the same cases whatever the lanes do).
    var mutator = Mutator(seed: 0xC0_4F16)
    var cases: [(index: Int, path: String, original: Data, mutated: [UInt8])] = []
    for index in 0..<600 {
      let path = "functions/\(Self.configs[index % Self.configs.count])/config.yml"
      let original = try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.root + "/" + path))
      cases.append((index, path, original, mutator.mutate(Array(original))))
    }
    let serverless = try String(contentsOfFile: RepositoryPaths.root + "/serverless.yml", encoding: .utf8)
    var bases: [String] = []
    for _ in 0..<Self.lanes {
      let base = try makeProject(serverless)
      try FileManager.default.copyItem(
        atPath: RepositoryPaths.root + "/functions", toPath: base + "/functions")
      bases.append(base)
    }
    let laneResults = try await withThrowingTaskGroup(
      of: (problems: [(Int, String)], outcomes: [Int32: Int]).self
    ) { group in
      for (lane, base) in bases.enumerated() {
        let mine = cases.filter { $0.index % Self.lanes == lane }
        group.addTask {
          try await Self.validate(mine, in: base)
        }
      }
      var all: [(problems: [(Int, String)], outcomes: [Int32: Int])] = []
      for try await result in group { all.append(result) }
      return all
    }
    let problems = laneResults.flatMap(\.problems).sorted { $0.0 < $1.0 }.map(\.1)
    var outcomes: [Int32: Int] = [:]
    for result in laneResults { outcomes.merge(result.outcomes, uniquingKeysWith: +) }
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    // Both outcomes occur: the mutations are not all fatal, nor all harmless.
    #expect(outcomes[0, default: 0] > 0 && outcomes[2, default: 0] > 0, "\(outcomes)")
  }

  /// Runs `cases` one after another in `base`; the problems found (with their case) and the exit statuses.
  static func validate(
    _ cases: [(index: Int, path: String, original: Data, mutated: [UInt8])], in base: String
  ) async throws -> (problems: [(Int, String)], outcomes: [Int32: Int]) {
    var problems: [(Int, String)] = []
    var outcomes: [Int32: Int] = [:]
    for item in cases {
      let (index, path, mutated) = (item.index, item.path, item.mutated)
      try Data(mutated).write(to: URL(fileURLWithPath: base + "/" + path))
      defer { try? item.original.write(to: URL(fileURLWithPath: base + "/" + path)) }
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
            problems.append((index, "case \(index): not located in \(path): \(line.prefix(300))"))
            continue
          }
          let place = located.dropFirst(path.count + 1).split(separator: ":", maxSplits: 2)
          guard place.count == 3, let row = Int(place[0]), let column = Int(place[1]),
            (1...max(1, lines.count)).contains(row), column >= 1, column <= lines[row - 1].count + 2
          else {
            problems.append((index, "case \(index): bad place in \(line.prefix(300))"))
            continue
          }
          if line.count > 1_500 {
            problems.append(
              (
                index,
                "case \(index): a \(line.count)-character error: \(line.prefix(400)) … \(line.suffix(200))"
              ))
          }
        }
        if run.stderr.contains("k-s3cret-pass") {
          problems.append((index, "case \(index): the password was shown"))
        }
      default:
        problems.append((index, "case \(index): exit \(run.status): \(run.stderr.suffix(300))"))
      }
      if problems.count > 20 { break }
    }
    return (problems, outcomes)
  }
}
