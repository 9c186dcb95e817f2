import VigilCore
import VigilRuntime

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// One `vigil` sub-command: its name, usage text, and what it does.
protocol Command: Sendable {
  static var name: String { get }
  static var summary: String { get }
  static var usage: String { get }
  static func run(_ arguments: [String]) async throws -> Int32
}

extension Command {
  static var environment: [String: String] { ProcessInfo.processInfo.environment }

  /// The project at `--config` (default `serverless.yml`, or `$VIGIL_CONFIG`).
  static func loadProject(_ arguments: Arguments) throws -> Project {
    let path = arguments.options["config"] ?? environment["VIGIL_CONFIG"] ?? "serverless.yml"
    return try Project.load(path: path, environment: environment)
  }
}

/// The options every project command takes, for usage texts.
let configOptionHelp = """
    --config FILE      serverless.yml to read (default: ./serverless.yml, or $VIGIL_CONFIG)
  """
