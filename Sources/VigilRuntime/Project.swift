import VigilAlerting
import VigilCore
import VigilCron
import VigilNet

/// A loaded project: `serverless.yml`, the folder of function configurations, and where state lives.
package struct Project: Sendable {
  package var config: ServerlessConfig
  package var environment: [String: String]
  package var registry: HandlerRegistry
  /// Function configurations read once (`vigil serve`), by function name: the parsed file, or why it could
  /// not be read. Without them each invocation reads its function's file afresh.
  package var preloaded: [String: Result<ConfigValue?, any Error>]?

  /// Loads `serverless.yml` at `path`.
  package static func load(path: String, environment: [String: String], registry: HandlerRegistry = .current)
    throws -> Project
  {
    Project(
      config: try ServerlessConfig.load(path: path, environment: environment), environment: environment,
      registry: registry)
  }

  /// The state store the command's options (`state`, `state-dir`), the environment and `custom.vigil` select,
  /// with `fallback` (a folder) when none does.
  package func stateSelection(options: [String: String], fallback: String = ".vigil")
    throws(StateSelectionError)
    -> StateSelection
  {
    try StateSelection.resolve(
      options: options, environment: environment, settings: config.vigil, fallback: fallback)
  }

  /// The path of `functions/<name>/config.yml`.
  package func functionConfigPath(_ name: String) -> String {
    "\(config.functionsDirectory)/\(name)/config.yml"
  }

  /// The function's configuration: read once by ``preloadingConfigurations()``, else read from its file now.
  package func functionConfiguration(_ function: FunctionSpec) throws -> ConfigValue? {
    if let found = preloaded?[function.name] { return try found.get() }
    return try readFunctionConfiguration(function)
  }

  /// This project with every function's configuration read and parsed now, and what could not be (each
  /// problem names its file, line and column).
  package func preloadingConfigurations() -> (project: Project, problems: [String]) {
    var loaded: [String: Result<ConfigValue?, any Error>] = [:]
    var problems = config.invalidFunctions.map { "\($0.error)" }
    for function in config.functions {
      let result = Result { try readFunctionConfiguration(function) }
      if case .failure(let error) = result { problems.append("\(error)") }
      loaded[function.name] = result
    }
    var project = self
    project.preloaded = loaded
    return (project, problems)
  }

  /// The files the project is read from: serverless.yml and each function's config.yml (present or not).
  package var sourceFiles: [String] {
    [config.file] + config.functions.map { functionConfigPath($0.name) }
  }

  /// Reads the function's configuration file, if it has one.
  package func readFunctionConfiguration(_ function: FunctionSpec) throws -> ConfigValue? {
    let path = functionConfigPath(function.name)
    var file = path
    var found = try ConfigFileReader.read(path, missingIsNil: true)
    if found == nil, let generated = function.generatedConfiguration {
      (file, found) = (generated.file, generated.text)
    }
    guard let text = found else { return nil }
    let node = try YAMLParser.parse(text, file: file)
    let environment = environment.merging(function.environment) { process, _ in process }
    return ConfigValue(node, path: "config", substitution: EnvironmentSubstitution(environment: environment))
  }

  /// The alerting engine described by `custom.vigil.channels`, `custom.vigil.alerting` and `custom.vigil.routes`,
  /// with a function's own keys and its targets' (`overrides`, from ``runtimeSettings(of:)``) over the project's
  /// policy.
  package func alertingEngine(
    logger: Logger, state: any StateStore, clock: any WallClock, function: FunctionSpec? = nil,
    overrides: AlertingOverrides = AlertingOverrides()
  ) throws -> AlertingEngine {
    var channels = try AlertingConfig.channels(
      config.vigil.channels, logger: logger, transport: CurlHTTPClient(), clock: clock, state: state,
      language: try AlertingConfig.language(config.vigil.alerting))
    let policy = try alertingPolicy(channels: channels, override: overrides.function)
    var targetPolicies: [String: AlertPolicy] = [:]
    var unrouted: Set<String> = []
    for (target, own) in overrides.targets.alerting {
      targetPolicies[target] = try AlertingConfig.policy(
        own, channels: channels, over: policy, allowed: TargetAlerting.keys)
      if Self.namesChannels(own) { unrouted.insert(target) }
    }
    // A function that names its own channels (or fallback chain) is not routed; nor is a target that does.
    let allRoutes = try AlertRoutes.read(config.vigil.routes, channels: channels)
    channels = try allRoutes.applyingLanguages(to: channels)
    let routes = Self.namesChannels(overrides.function) ? AlertRoutes() : allRoutes
    return AlertingEngine(
      policy: policy, channels: channels, state: state, clock: clock, environment: environment,
      routes: routes, ackLinks: try AckLinks.read(config.vigil.alerting),
      labels: function?.labels ?? [:],
      targets: .init(policies: targetPolicies, labels: overrides.targets.labels, unrouted: unrouted))
  }

  /// Whether an `alerting:` mapping names `channels` or `fallback`.
  static func namesChannels(_ value: ConfigValue?) -> Bool {
    guard let value, case .mapping(let entries) = value.node.kind else { return false }
    return entries.contains { $0.key == "channels" || $0.key == "fallback" }
  }

  /// The policy: the project's `custom.vigil.alerting` in its zone, then `override`'s keys over it.
  package func alertingPolicy(channels: [String: any Channel], override: ConfigValue? = nil) throws
    -> AlertPolicy
  {
    let zone: Zone
    do {
      zone = try Zone.named(config.vigil.timezone, environment: environment)
    } catch {
      throw ConfigError(
        config.vigil.timezoneMark ?? SourceMark(file: config.file, line: 1, column: 1), error.description)
    }
    let project = try AlertingConfig.policy(
      config.vigil.alerting, channels: channels, zone: zone, allowed: AlertingConfig.projectKeys)
    return try AlertingConfig.policy(override, channels: channels, over: project)
  }

  /// A function's own alerting keys: `functions.<name>.alerting` in serverless.yml, or `alerting:` in its
  /// config.yml (`fromConfigFile`, split from the rest by the caller). Both at once is an error naming both.
  package func functionAlerting(_ function: FunctionSpec, fromConfigFile: ConfigValue?) throws(ConfigError)
    -> ConfigValue?
  {
    switch (function.alerting, fromConfigFile) {
    case (let own?, let file?):
      throw file.error(
        "the alerting of function '\(function.name)' is set twice, here and at \(own.mark); keep one of them")
    case (let own?, nil): return own
    case (nil, let file): return file
    }
  }

  /// The function's configuration split into what the runtime reads (`quorum:`, `alerting:`, and each target's
  /// `alerting:` and `labels:`) and what its check reads (the rest).
  package func runtimeSettings(of function: FunctionSpec) throws -> (
    check: ConfigValue?, quorum: QuorumRule?, alerting: AlertingOverrides
  ) {
    let (configuration, quorum) = try QuorumRule.split(functionConfiguration(function))
    let split = configuration?.splitting("alerting")
    let (check, targets) = try TargetAlerting.split(split?.rest)
    return (
      check, quorum,
      AlertingOverrides(
        function: try functionAlerting(function, fromConfigFile: split?.value), targets: targets)
    )
  }

  /// The zone a trigger runs in, its own or the project default.
  package func zone(for trigger: TimerTrigger) throws -> Zone {
    let identifier = trigger.timezone ?? config.vigil.timezone
    let mark = trigger.timezoneMark ?? config.vigil.timezoneMark ?? trigger.cronMark
    do {
      return try Zone.named(identifier, environment: environment)
    } catch {
      throw ConfigError(mark, error.description)
    }
  }

  /// Parses a trigger's cron expression, locating any error at the expression in the file.
  package func cron(for trigger: TimerTrigger) throws -> CronExpression {
    do {
      return try CronExpression(trigger.cronExpression)
    } catch {
      throw ConfigError(trigger.cronMark, error.description)
    }
  }
}
