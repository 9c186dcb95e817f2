import Foundation
import TestSupport
import Testing

/// Time options out of range (or not numbers at all) are usage errors naming the option and its range, never
/// a trap when a timer is armed with them.
@Suite struct OptionRangeCLITests {
  /// One function served over HTTP, one on a timer.
  let serverless =
    ServeCLITests.serverless + """

        tick:
          handler: echo
          events:
            - timer:
                parameters:
                  cronExpression: '*/1 * * * * * *'
      """

  @Test(arguments: [
    (["serve", "--head-timeout", "3000000"], "--head-timeout must be between 1ms and 10m"),
    (["serve", "--head-timeout", "inf"], "--head-timeout must be between 1ms and 10m"),
    (["serve", "--head-timeout", "0"], "--head-timeout must be between 1ms and 10m"),
    (["serve", "--grace", "nan"], "--grace must be between 0s and 1h"),
    (["schedule", "--for", "inf"], "--for must be between 0s and 366d"),
    (["schedule", "--for", "-1"], "--for must be between 0s and 366d"),
    (["schedule", "--grace", "1e400"], "--grace must be between 0s and 1h"),
  ])
  func aTimeOptionOutOfRangeIsAUsageError(arguments: [String], message: String) async throws {
    let project = try makeProject(serverless)
    let run = try await vigil(arguments, in: project, timeout: 20)
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.contains(message), "\(run.stderr)")
    #expect(run.stderr.contains("found '\(arguments[2])'"), "\(run.stderr)")
  }

  /// Durations are accepted in the config's own spelling too.
  @Test func aDurationIsAcceptedWhereSecondsAre() async throws {
    let project = try makeProject(serverless)
    let run = try await vigil(["schedule", "--for", "300ms", "--grace", "1s"], in: project, timeout: 20)
    #expect(run.status == 0, "\(run.stderr)")
  }
}
