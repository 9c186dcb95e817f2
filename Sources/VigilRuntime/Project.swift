import VigilAlerting
import VigilCore
import VigilCron
import VigilNet

/// A loaded project: `serverless.yml`, the folder of function configurations, and where state lives.
package struct Project: Sendable {
  package var config: ServerlessConfig
  package var environment: [String: String]
  package var registry: HandlerRegistry

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

  /// Reads the function's configuration file, if it has one.
  package func functionConfiguration(_ function: FunctionSpec) throws -> ConfigValue? {
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

  /// The alerting engine described by `custom.vigil.channels` and `custom.vigil.alerting`.
  package func alertingEngine(logger: Logger, state: any StateStore, clock: any WallClock) throws
    -> AlertingEngine
  {
    let channels = try AlertingConfig.channels(
      config.vigil.channels, logger: logger, transport: CurlHTTPClient(), clock: clock, state: state)
    let zone: Zone
    do {
      zone = try Zone.named(config.vigil.timezone, environment: environment)
    } catch {
      throw ConfigError(
        config.vigil.timezoneMark ?? SourceMark(file: config.file, line: 1, column: 1), error.description)
    }
    let policy = try AlertingConfig.policy(config.vigil.alerting, channels: channels, zone: zone)
    return AlertingEngine(
      policy: policy, channels: channels, state: state, clock: clock, environment: environment)
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
