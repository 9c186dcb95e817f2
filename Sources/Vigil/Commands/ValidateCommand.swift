import VigilAlerting
import VigilChecks
import VigilCore
import VigilCron
import VigilNet
import VigilRuntime

/// `vigil validate`: checks serverless.yml and every function configuration without running anything.
enum ValidateCommand: Command {
  static let name = "validate"
  static let summary = "check serverless.yml and every function config without running anything"
  static let usage = """
    usage: vigil validate [--config FILE] [--explain FUNCTION]

    Reads serverless.yml and each functions/<name>/config.yml, and reports every problem found with its
    file:line:column: YAML syntax, unknown keys, wrong types, missing environment variables, cron
    expressions, time zones, handlers this build does not have, the shape of the state store URL
    (custom.vigil.state or $VIGIL_STATE; 'vigil state check' connects to it), each function's own alerting
    keys. Exit 0 when all is well, 2 otherwise.

    A function's alerting keys (`alerting:` in its config.yml, or under the function in serverless.yml; not
    both) override the project's custom.vigil.alerting key by key: trigger, recoverAfter, escalation,
    repeatEvery, sendResolved, channels, fallback, timezone, ignoreHours, quietHours, maintenance, flap. A
    key named replaces the project's whole setting; `false` turns off quietHours, flap or repeatEvery.
    A target of a check with a targets: list may set its own trigger, recoverAfter, escalation,
    repeatEvery, sendResolved, channels, ignoreHours, maintenance and flap (`alerting:` in its item) and
    `labels:` for routes. custom.vigil.routes send alerts to channels by function, target, severity and
    labels. Acknowledgement, silences and templates are not built yet (issue 17).

    options:
    \(configOptionHelp)
      --explain FUNCTION  print the policy FUNCTION's alerts follow, each setting with where it comes from
    """

  static func run(_ raw: [String]) async throws -> Int32 {
    guard let arguments = try parse(raw, valued: ["config", "explain"]) else { return ExitCode.success }
    let project = try loadProject(arguments)
    let explain = arguments.options["explain"]
    if let explain, project.config.function(named: explain) == nil {
      throw Arguments.UsageError(
        command: name,
        message:
          "--explain: no function '\(explain.excerpt())' in \(project.config.file) (functions: \(project.config.allFunctionNames.joined(separator: ", ")))"
      )
    }
    var explanation: [String] = []
    var problems: [String] = project.config.invalidFunctions.map { $0.error.description }
    // The state setting's shape (a URL's scheme, host, port, database, parameters); nothing is connected.
    do {
      _ = try project.stateSelection(options: [:]).kind()
    } catch {
      problems.append(error.mark == nil ? "\(error)" : error.message)
    }
    // The project's channels, policy and routes, once; each function's own keys below only over a project
    // whose alerting reads (its problem is not repeated for every function).
    var projectAlertingReads = true
    do {
      _ = try project.alertingEngine(logger: .silent, state: InMemoryStateStore(), clock: SystemClock())
    } catch {
      problems.append("\(error)")
      projectAlertingReads = false
    }
    var warnings: [String] = []
    for function in project.config.functions {
      var handler: AnyHandler?
      switch project.registry.entry(function.handler) {
      case .available(let available)?: handler = available
      case .notAvailable(_, let reason)?:
        warnings.append("\(function.handlerMark): handler '\(function.handler)' is \(reason)")
      case nil:
        problems.append(
          "\(function.handlerMark): unknown handler '\(function.handler)'; known handlers: \(project.registry.names.joined(separator: ", "))"
        )
      }
      for trigger in function.timers {
        do { _ = try project.cron(for: trigger) } catch { problems.append("\(error)") }
        do { _ = try project.zone(for: trigger) } catch { problems.append("\(error)") }
      }
      do {
        // `quorum:` and `alerting:` are the runtime's (any check's results can be judged across regions and
        // alerted on by its own policy); the rest, the check's.
        let (configuration, quorum, alerting) = try project.runtimeSettings(of: function)
        if let problem = quorum?.deploymentProblem(
          project.config.vigil, configFile: project.functionConfigPath(function.name))
        {
          problems.append(problem)
        }
        if let configuration, let validate = handler?.validateConfiguration {
          try validate(configuration)
        }
        let ownAlerting = alerting.function != nil || !alerting.targets.alerting.isEmpty
        if projectAlertingReads && (ownAlerting || function.name == explain) {
          let engine = try project.alertingEngine(
            logger: .silent, state: InMemoryStateStore(), clock: SystemClock(), function: function,
            overrides: alerting)
          if function.name == explain {
            explanation =
              ["\(function.name): the alerting policy its alerts follow"]
              + PolicyExplanation.lines(
                engine.policy, project: project.config.vigil.alerting, function: alerting.function)
              + PolicyExplanation.targetLines(alerting.targets.alerting, labels: alerting.targets.labels)
              + PolicyExplanation.routeLines(
                engine.routes, function: function.name, labels: function.labels,
                routed: project.config.vigil.routes != nil)
          }
        }
      } catch {
        problems.append("\(error)")
      }
    }
    for warning in warnings { Output.err("warning: \(warning)") }
    for line in explanation { Output.out(line) }
    if problems.isEmpty {
      Output.out("\(project.config.file): OK (\(project.config.functions.count) functions)")
      return ExitCode.success
    }
    for problem in problems { Output.err("error: \(problem)") }
    Output.err("\(problems.count) problem\(problems.count == 1 ? "" : "s") found")
    return ExitCode.usage
  }
}
