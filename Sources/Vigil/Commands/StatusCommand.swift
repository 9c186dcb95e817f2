import VigilCore
import VigilCron
import VigilRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// `vigil status`: one line per target from its history — state, uptime and a sparkline of recent latency.
enum StatusCommand: Command {
  static let name = "status"
  static let summary = "show each target's state, uptime and recent latency from its history"
  static let usage = """
    usage: vigil status [--config FILE] [--state STORE] [--function NAME] [--json] [--watch] [--every SECONDS]

    Reads the history every run keeps in the state store (points for 48 hours, hourly summaries for 90 days)
    and prints one line per target and region: UP or DOWN as last seen, how long ago, uptime over 24 h, 7 d,
    30 d and 90 d, the last latency and a sparkline of the last 24 (▁ fastest … █ slowest, · a run that saw it
    down without a latency). Colours only when standard output is a terminal. A target not seen for 48 hours
    is listed as "no data". Exit status 1 when a target is down or history cannot be read.

    options:
    \(configOptionHelp)
    \(stateOptionHelp(fallback: ".vigil"))
      --function NAME    only this function
      --json             the same as one JSON array (every point of the last 48 hours included)
      --watch            redraw every --every seconds (default 5) until interrupted
    """

  static func run(_ raw: [String]) async throws -> Int32 {
    guard
      let arguments = try parse(
        raw, valued: ["config", "state", "state-dir", "function", "every"], flagNames: ["json", "watch"])
    else { return ExitCode.success }
    let project = try loadProject(arguments)
    let state = try openState(arguments, project: project, fallback: ".vigil", command: name)
    var functions = project.config.allFunctionNames
    if let only = arguments.options["function"] {
      guard functions.contains(only) else {
        throw Arguments.UsageError(
          command: name,
          message:
            "no function '\(only)' in \(project.config.file) (functions: \(functions.joined(separator: ", ")))"
        )
      }
      functions = [only]
    }
    let every =
      try arguments.options["every"].map { text -> Double in
        guard let value = Double(text), value.isFinite, value >= 1, value <= 3600 else {
          throw Arguments.UsageError(
            command: name, message: "--every must be 1 to 3600 seconds, found '\(text)'")
        }
        return value
      } ?? 5
    let colour = isatty(1) == 1 && environment["NO_COLOR"] == nil
    while true {
      let now = SystemClock().now
      var targets: [TargetHistory] = []
      for function in functions {
        targets += try await HistoryReader(state: state).targets(function: function, now: now)
      }
      if arguments.flags.contains("json") {
        Output.out(try JSONCoding.encodeString(targets, pretty: true))
      } else {
        let text = StatusView.render(targets, now: now, colour: colour)
        Output.out((arguments.flags.contains("watch") && colour ? "\u{1B}[H\u{1B}[2J" : "") + text)
      }
      guard arguments.flags.contains("watch") else {
        return targets.contains { $0.latest?.up == false } ? ExitCode.failure : ExitCode.success
      }
      try await Task.sleep(nanoseconds: UInt64(every * 1_000_000_000))
    }
  }
}
