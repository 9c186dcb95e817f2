import VigilCore
import VigilRuntime

/// `vigil schedule`: runs every enabled timer trigger in one long-running process.
enum ScheduleCommand: Command {
  static let name = "schedule"
  static let summary = "run every enabled timer trigger in one long-running process"
  static let usage = """
    usage: vigil schedule [--config FILE] [--state STORE] [--only NAME,…] [--overlap skip|allow]
                          [--grace SECONDS] [--for SECONDS] [--region NAME] [--report-to URL]

    Runs every enabled timer trigger of every function in serverless.yml. Each firing invokes the handler
    with an SCF timer event (Type Timer, TriggerName, Time = the scheduled instant, Message = the trigger's
    argument). Logs go to standard error: JSON lines, or readable text on a terminal (VIGIL_LOG_FORMAT=json|text
    chooses); each run's 'invocation started' line carries lagMs, how late it started against its scheduled
    instant.

    A trigger that fires while its previous run is still going is skipped and logged (--overlap allow runs
    it alongside). If the machine slept or the clock jumped forward, each missed trigger runs once on wake
    (not once per missed tick) and the log says how many it stands for; if the clock moves backwards, fire
    times are recomputed. SIGTERM or SIGINT stops new firings and lets in-flight runs finish within the
    grace period: exit 0 when they did, 1 when some were still running.

    options:
    \(configOptionHelp)
    \(regionOptionHelp)
    \(reportToOptionHelp)
    \(stateOptionHelp(fallback: ".vigil"))
      --only NAMES       schedule only these functions (comma-separated)
      --overlap POLICY   skip (default, or custom.vigil.overlap) or allow
      --grace SECONDS    time in-flight runs get after a stop, 0s-1h (default 30, or custom.vigil.grace)
      --for SECONDS      stop by itself after this long, up to 366d (benchmarks, smoke tests)
    """

  static func run(_ raw: [String]) async throws -> Int32 {
    guard
      let arguments = try parse(
        raw,
        valued: ["config", "state", "state-dir", "only", "overlap", "grace", "for", "report-to", "region"])
    else { return ExitCode.success }
    guard arguments.positionals.isEmpty else {
      throw Arguments.UsageError(command: name, message: "unexpected argument '\(arguments.positionals[0])'")
    }
    let project = try loadProject(arguments)
    var options = Scheduler.Options()
    let overlap = arguments.options["overlap"] ?? project.config.vigil.overlap
    guard let policy = Scheduler.OverlapPolicy(rawValue: overlap) else {
      throw Arguments.UsageError(
        command: name, message: "--overlap must be skip or allow, found '\(overlap)'")
    }
    options.overlap = policy
    options.grace =
      try arguments.seconds("grace", command: name, within: 0...3_600) ?? project.config.vigil.graceSeconds
    options.runFor = try arguments.seconds("for", command: name, within: 0...366 * 86_400)
    if let only = arguments.options["only"] {
      options.only = Set(only.split(separator: ",").map(String.init))
      let unknown = options.only.subtracting(project.config.allFunctionNames)
      guard unknown.isEmpty else {
        throw Arguments.UsageError(
          command: name,
          message: "--only names unknown functions: \(unknown.sorted().joined(separator: ", "))")
      }
    }
    let state = try openState(arguments, project: project, fallback: ".vigil", command: name)
    var invoker = LocalInvoker(project: project, state: state, sink: try logSink(command: name))
    invoker.region = try regionOption(arguments, command: name)
    return await Scheduler(invoker: invoker, options: options).run()
  }
}
