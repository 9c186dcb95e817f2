@_exported import VigilCore
import VigilCron
import VigilRuntime

@_exported import struct VigilCron.Instant

#if canImport(Glibc)
  import Glibc
#endif

/// The `vigil` command line as a library: an operator's package registers its own handlers beside the built-in
/// ones and gets the same binary - `invoke`, `list`, `validate`, `schedule`, `serve`, `runtime` (the Lambda and
/// SCF loops), `cron`, `channel`, `alerts`, `state`.
///
/// ```swift
/// import Vigil
///
/// @main struct Main {
///   static func main() async {
///     await Vigil.main(handlers: [
///       AnyHandler(name: "queue-depth", summary: "the orders queue drains", QueueDepthCheck())
///     ])
///   }
/// }
/// ```
public enum Vigil {
  /// Runs the command line with `handlers` registered beside the built-in ones and exits with its status. A
  /// handler whose name is malformed or already taken (by a built-in or another of `handlers`) stops the
  /// process at start with status 2 and says which.
  public static func main(handlers: [AnyHandler] = []) async -> Never {
    do {
      HandlerRegistry.install(try HandlerRegistry.standard.adding(handlers))
    } catch {
      Output.err("vigil: \(error)")
      exit(ExitCode.usage)
    }
    exit(await runMain())
  }
}

/// The commands this build has, in help order.
let commands: [any Command.Type] = [
  ListCommand.self, InvokeCommand.self, ValidateCommand.self, ScheduleCommand.self, CronCommand.self,
  ServeCommand.self, RuntimeCommand.self, ChannelCommand.self, AlertsCommand.self, AckCommand.self,
  UnackCommand.self, SilenceCommand.self, StatusCommand.self,
  StateCommand.self,
]

/// Commands that are planned but not built yet: they say so rather than pretend (none at the moment).
let plannedCommands: [(name: String, issue: String)] = []

let topUsage: String = {
  var lines = [
    "vigil — runs monitoring functions (serverless-style handlers) and turns what they find into alerts.",
    "",
    "usage: vigil <command> [options]     (every command takes --help)",
    "",
    "commands:",
  ]
  for command in commands { lines.append("  \(command.name.padding(10))\(command.summary)") }
  lines.append("")
  if !plannedCommands.isEmpty {
    lines.append("not built yet (they exit 2 and say so):")
    for planned in plannedCommands { lines.append("  \(planned.name.padding(10))\(planned.issue)") }
    lines.append("")
  }
  lines.append("exit status: 0 success, 1 handler failure, 2 usage or configuration error, 124 timeout")
  return lines.joined(separator: "\n")
}()

extension String {
  func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(1, width - count)) }
}

@MainActor func runMain() async -> Int32 {
  var arguments = Array(CommandLine.arguments.dropFirst())
  guard let first = arguments.first, first != "--help", first != "-h", first != "help" || arguments.count > 1
  else {
    Output.out(topUsage)
    return arguments.isEmpty ? ExitCode.usage : ExitCode.success
  }
  if first == "help" {
    arguments = [arguments[1], "--help"]
  }
  if arguments[0] == "--version" || arguments[0] == "version" {
    Output.out("vigil 0.1.0")
    return ExitCode.success
  }
  let name = arguments.removeFirst()
  if let planned = plannedCommands.first(where: { $0.name == name }) {
    Output.err("'vigil \(name)' is not built yet: \(planned.issue).")
    return ExitCode.usage
  }
  guard let command = commands.first(where: { $0.name == name }) else {
    var message = "unknown command '\(name)'"
    if let guess = Arguments.closest(name, in: commands.map { $0.name }) {
      message += " (did you mean '\(guess)'?)"
    }
    Output.err("\(message)\nRun 'vigil --help' for the list of commands.")
    return ExitCode.usage
  }
  do {
    return try await command.run(arguments)
  } catch let error
    where error is Arguments.UsageError || error is ConfigError || error is StateSelectionError
    || error is ConfigErrors || error is EventError
  {
    // What the operator typed or wrote is wrong: a usage error, not a failure of the check.
    Output.err("error: \(error)")
    return ExitCode.usage
  } catch {
    Output.err("error: \(error)")
    return ExitCode.failure
  }
}
