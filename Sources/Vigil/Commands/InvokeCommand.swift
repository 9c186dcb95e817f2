import VigilCore
import VigilCron
import VigilRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// `vigil invoke NAME`: runs one handler in this process with an event, like `serverless invoke local`.
enum InvokeCommand: Command {
  static let name = "invoke"
  static let summary = "run one function locally with an event JSON; result on stdout, logs on stderr"
  static let usage = """
    usage: vigil invoke NAME [--event FILE|-] [--now ISO8601] [--region NAME] [--config FILE] [--state STORE]
                        [--report-to URL]

    Runs function NAME of serverless.yml in this process. The JSON result goes to standard output; logs go
    to standard error as one JSON object per line, each with the request id. The function's timeout is
    enforced. Alerts go to the console channel (standard error) and are recorded in the state folder.

    options:
      --event FILE|-     the event JSON (default: functions/NAME/event.json if present, else {})
      --now ISO8601      run as if the clock read this instant
    \(configOptionHelp)
    \(regionOptionHelp)
    \(reportToOptionHelp)
    \(stateOptionHelp(fallback: ".vigil"))

    exit status: 0 success, 1 the handler failed (error JSON on stdout) or its alerts could not be recorded
    or sent (the result on stdout, the alert text and the reason on stderr), 2 usage or configuration error,
    124 the function exceeded its timeout.

    Logs and console alerts go to standard error: readable text on a terminal (colour unless NO_COLOR), JSON
    lines otherwise; VIGIL_LOG_FORMAT=json|text chooses.
    """

  static func run(_ raw: [String]) async throws -> Int32 {
    guard
      let arguments = try parse(
        raw, valued: ["event", "now", "config", "state", "state-dir", "report-to", "region"])
    else {
      return ExitCode.success
    }
    guard arguments.positionals.count == 1, let functionName = arguments.positionals.first else {
      throw Arguments.UsageError(
        command: name,
        message: arguments.positionals.isEmpty
          ? "which function? e.g. 'vigil invoke website-status --event functions/website-status/event.json'"
          : "give one function name, found: \(arguments.positionals.joined(separator: " "))")
    }
    let project = try loadProject(arguments)
    let event = try readEvent(arguments.options["event"], project: project, function: functionName)
    var clock: any WallClock = SystemClock()
    if let text = arguments.options["now"] {
      guard let parsed = ISO8601.parse(text) else {
        throw Arguments.UsageError(
          command: name, message: "--now '\(text)' is not an ISO-8601 time like 2024-03-10T01:30:00+08:00")
      }
      clock = ShiftedClock(
        startingAt: parsed.date(in: try Zone.named(project.config.vigil.timezone, environment: environment)))
    }
    let state = try openState(arguments, project: project, fallback: ".vigil", command: name)
    var invoker = LocalInvoker(project: project, state: state, clock: clock, sink: try logSink(command: name))
    invoker.region = try regionOption(arguments, command: name)
    let outcome = await invoker.invoke(functionName, event: event)
    switch outcome.result {
    case .success(let output):
      try Output.out(output)
      return ExitCode.success
    case .failure(let failure):
      if let output = outcome.output {
        // The check ran, its alerts may not go out: its result on stdout, the problem on stderr, exit 1.
        try Output.out(output)
        Output.err("vigil: \(failure.errorMessage)")
        return ExitCode.failure
      }
      Output.out(try JSONCoding.encodeString(failure, pretty: true))
      switch failure.errorType {
      case "TimeoutError": return ExitCode.timeout
      case "FunctionNotFound", "HandlerNotFound", "HandlerNotAvailable", "ConfigurationError":
        return ExitCode.usage
      default: return ExitCode.failure
      }
    }
  }

  static func readEvent(_ option: String?, project: Project, function: String) throws -> InvocationEvent {
    let source: String
    let data: [UInt8]
    let limit = InvocationEvent.maximumBytes
    if option == "-" {
      source = "standard input"
      do {
        data = [UInt8](try BoundedRead.descriptorContents(0, limit: limit))
      } catch {
        throw Arguments.UsageError(command: name, message: "cannot read the event from \(source): \(error)")
      }
    } else if let path = option {
      source = path
      do {
        data = [UInt8](try BoundedRead.file(path, limit: limit))
      } catch {
        throw Arguments.UsageError(command: name, message: "cannot read the event file '\(path)': \(error)")
      }
    } else {
      let path = "\(project.config.functionsDirectory)/\(function)/event.json"
      source = path
      do {
        data = [UInt8](try BoundedRead.file(path, limit: limit))
      } catch .missing {
        data = [UInt8]("{}".utf8)
      } catch {
        throw Arguments.UsageError(command: name, message: "cannot read the event file '\(path)': \(error)")
      }
    }
    return try InvocationEvent(data: data, source: source)
  }
}
