import VigilCore
import VigilCron
import VigilRuntime

/// One `vigil` sub-command: its name, usage text, and what it does.
protocol Command: Sendable {
  static var name: String { get }
  static var summary: String { get }
  static var usage: String { get }
  static func run(_ arguments: [String]) async throws -> Int32
}

extension Command {
  static var environment: [String: String] { ProcessEnvironment.current }

  /// The parsed arguments, or nil when `--help` was asked for (the usage is printed then).
  static func parse(_ raw: [String], valued: [String], flagNames: [String] = []) throws -> Arguments? {
    let arguments = try Arguments(raw, command: name, valued: valued, flagNames: flagNames)
    guard !arguments.flags.contains("help") else {
      Output.out(usage)
      return nil
    }
    return arguments
  }

  /// The project at `--config` (default `serverless.yml`, or `$VIGIL_CONFIG`).
  static func loadProject(_ arguments: Arguments) throws -> Project {
    let path = arguments.options["config"] ?? environment["VIGIL_CONFIG"] ?? "serverless.yml"
    var environment = self.environment
    if let url = arguments.options["report-to"] {
      // host-resources pushes each sample there as a heartbeat (token from HEARTBEAT_TOKEN).
      guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
        throw Arguments.UsageError(
          command: name,
          message: "--report-to must be an http(s) URL, e.g. https://monitor/heartbeat/, found '\(url)'")
      }
      environment["VIGIL_REPORT_TO"] = url
    }
    return try Project.load(path: path, environment: environment)
  }
}

/// Standard error's log sink for `command`: `VIGIL_LOG_FORMAT=json|text`, else text on a terminal, JSON lines
/// elsewhere.
func logSink(command: String) throws -> any LogSink {
  do {
    return try LogFormat.sink(environment: ProcessEnvironment.current)
  } catch {
    throw Arguments.UsageError(command: command, message: error.description)
  }
}

/// The options every project command takes, for usage texts.
let configOptionHelp = """
    --config FILE      serverless.yml to read (default: ./serverless.yml, or $VIGIL_CONFIG)
  """

/// The region option of the commands that run checks, for usage texts.
let regionOptionHelp = """
    --region NAME      the region this process runs in (default: $VIGIL_REGION, the platform's AWS_REGION or
                       SCF region, else provider.region): a check with quorum: in its config.yml writes its
                       view under this name and alerts only when enough regions agree
  """

/// `--region NAME`, checked; nil when not given.
func regionOption(_ arguments: Arguments, command: String) throws -> String? {
  guard let region = arguments.options["region"] else { return nil }
  guard ServerlessConfig.isRegionName(region) else {
    throw Arguments.UsageError(
      command: command,
      message: "--region '\(region.excerpt())' is not a region name (1-64 lower-case letters, digits and '-')"
    )
  }
  return region
}

/// The state options of the commands that keep alert state, for usage texts (`fallback`: their default folder).
func stateOptionHelp(fallback: String) -> String {
  """
    --state STORE      where alert state lives, shared by every instance that names the same store: a folder,
                       memory, redis://[user:password@]host[:port][/db][?prefix=vigil:] (rediss:// for TLS,
                       &ca_file=PEM; write the password as ${env:NAME} in serverless.yml), or
                       s3://bucket/prefix?region=…[&endpoint=…&writes=create-only] (credentials from
                       AWS_ACCESS_KEY_ID/… or TENCENTCLOUD_SECRETID/…; writes=create-only, the default for a
                       myqcloud.com endpoint, for a store without If-Match such as Tencent COS)
                       (default: $VIGIL_STATE, $VIGIL_STATE_DIR, custom.vigil.state, or \(fallback))
    --state-dir DIR    the same, a folder only (kept for earlier versions)
  """
}

/// Opens the store the options, environment and configuration select (nothing is connected yet).
func openState(
  _ arguments: Arguments, project: Project, fallback: String, command: String, groupCommit: Bool = false
) throws
  -> any StateStore
{
  do {
    return try project.stateSelection(options: arguments.options, fallback: fallback).open(
      groupCommit: groupCommit)
  } catch let error as StateSelectionError {
    throw usable(error, command: command)
  }
}

/// A state setting's error as the command reports it: located in serverless.yml when it came from there, else a
/// usage error of `command`.
func usable(_ error: StateSelectionError, command: String) -> any Error {
  error.mark != nil ? error.located : Arguments.UsageError(command: command, message: error.message)
}

/// The `--report-to` option of the commands that run checks, for usage texts.
let reportToOptionHelp = """
    --report-to URL    host-resources also POSTs each sample there as a heartbeat (a central `vigil serve`;
                       a URL ending in / gets the host name appended; token from $HEARTBEAT_TOKEN)
  """
