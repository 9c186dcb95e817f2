import VigilCore
import VigilCron
import VigilRuntime

/// `vigil list`: the functions, their handlers, and each trigger's next fire time.
enum ListCommand: Command {
  static let name = "list"
  static let summary = "list functions, handlers and triggers with their next fire time"
  static let usage = """
    usage: vigil list [--config FILE] [--now ISO8601]

    Lists every function of serverless.yml: its handler (and whether this build has it), timeout and
    memory, and each timer trigger with its cron expression, zone and next fire time; for a function judged by
    quorum (quorum: in its config.yml), its regions and how many must agree; first, the regions the service is
    deployed to when serverless.yml declares them (custom.vigil.regions).

    options:
    \(configOptionHelp)
      --now ISO8601      compute next fire times from this instant instead of now
    """

  static func run(_ raw: [String]) async throws -> Int32 {
    guard let arguments = try parse(raw, valued: ["config", "now"]) else { return ExitCode.success }
    let project = try loadProject(arguments)
    var now = Instant()
    if let text = arguments.options["now"] {
      guard let parsed = ISO8601.parse(text) else {
        throw Arguments.UsageError(
          command: name, message: "--now '\(text)' is not an ISO-8601 time like 2024-03-10T01:30:00+08:00")
      }
      now = parsed.date(in: try Zone.named(project.config.vigil.timezone, environment: environment))
    }
    var lines: [String] = []
    if let regions = project.config.vigil.regions {
      lines.append("deployed to \(regions.joined(separator: ", ")) (custom.vigil.regions)")
    }
    for name in project.config.allFunctionNames {
      guard let function = project.config.function(named: name) else {
        let error = project.config.invalidFunctions.first { $0.name == name }?.error.description ?? ""
        lines.append("\(name)  INVALID: \(error)")
        continue
      }
      let availability: String
      switch project.registry.entry(function.handler) {
      case .available?: availability = "available"
      case .notAvailable(_, let reason)?: availability = "NOT AVAILABLE: \(reason)"
      case nil: availability = "UNKNOWN HANDLER"
      }
      lines.append(
        "\(function.name)  handler=\(function.handler) [\(availability)]  timeout=\(formatSeconds(function.timeout))  memory=\(function.memorySize)MB"
      )
      for trigger in function.timers {
        var line = "  timer \(trigger.name)  '\(trigger.cronExpression)'"
        do {
          let zone = try project.zone(for: trigger)
          let cron = try project.cron(for: trigger)
          line += "  tz=\(zone.identifier)"
          if !trigger.enabled {
            line += "  disabled"
          } else if let next = cron.next(after: now, in: zone) {
            line += "  next=\(ISO8601.format(next, in: zone))"
          } else {
            line += "  next=never (no fire time before 2100)"
          }
          line += "  (\(cron.explanation().lowercasedFirst))"
        } catch {
          line += "  ERROR: \(error)"
        }
        lines.append(line)
      }
      for route in function.routes { lines.append("  apigw \(route.method) \(route.path)") }
      // Judged across regions: which, and how many must agree (a config that does not read is `validate`'s).
      if let (_, quorum) = try? QuorumRule.split(project.functionConfiguration(function)), let quorum {
        lines.append(
          "  regions \(quorum.regions.joined(separator: ", "))  quorum: down in \(quorum.down) of"
            + " \(quorum.regions.count) within \(ConfigValue.describe(seconds: quorum.window))")
      }
    }
    Output.out(lines.joined(separator: "\n"))
    return ExitCode.success
  }

  static func formatSeconds(_ seconds: Double) -> String {
    seconds.rounded() == seconds ? "\(Int(seconds))s" : "\(seconds)s"
  }
}

extension String {
  /// `every 5 minutes` from `Every 5 minutes`, to sit inside a line.
  fileprivate var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
