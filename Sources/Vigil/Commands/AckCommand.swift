import VigilAlerting
import VigilCore
import VigilCron
import VigilRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// `vigil ack INCIDENT`: someone has the incident; its escalation and reminders pause.
enum AckCommand: Command {
  static let name = "ack"
  static let summary = "acknowledge an open incident: its escalation and reminders pause"
  static let usage = """
    usage: vigil ack INCIDENT [--for DURATION] [--by NAME] [--comment TEXT] [--config FILE] [--state STORE]

    Marks the open incident INCIDENT (its id, inc-…, as every notice and `vigil alerts` show it) as
    acknowledged. While it holds, the incident's escalation steps and reminders are not sent; a resolve still
    is, and clears it. With --for it ends by itself after DURATION (1m-31d), and escalation resumes at the step
    the incident has reached by then; without, it holds until the incident resolves or `vigil unack`. The
    function's next run tells every channel of the policy who has it (once). Works while `vigil schedule` or
    the functions run elsewhere on the same store: the change is a compare-and-set of the function's ledger.
    Exits 1 when no open incident has that id (resolved since, or mistyped).

    options:
    \(configOptionHelp)
    \(stateOptionHelp(fallback: ".vigil"))
      --for DURATION     how long it holds (1m-31d); default until the incident resolves
      --by NAME          who has it (default: $USER, else "cli"); at most 100 bytes
      --comment TEXT     a line for the notices (at most 500 bytes)
    """

  static func run(_ raw: [String]) async throws -> Int32 {
    guard
      let arguments = try parse(raw, valued: ["config", "state", "state-dir", "for", "by", "comment"])
    else { return ExitCode.success }
    let id = try incidentArgument(arguments, command: name)
    let holds = try arguments.seconds("for", command: name, within: 60...31 * 86_400)
    let (by, comment) = try arguments.authorship(command: name)
    let project = try loadProject(arguments)
    let state = try openState(arguments, project: project, fallback: ".vigil", command: name)
    let now = SystemClock().now
    let ack = Acknowledgement(
      by: by, at: now, until: holds.map { now.addingTimeInterval($0) }, comment: comment, via: "cli")
    do {
      let changed = try await IncidentAcknowledgements(state: state).acknowledge(id, with: ack)
      Output.out(
        "acknowledged \(id) (\(changed.key)) \(ack.describe(at: now)); its escalation and reminders pause, and the next run of '\(changed.function)' tells its channels"
      )
      return ExitCode.success
    } catch let refusal as IncidentAcknowledgements.Refusal {
      Output.err("vigil ack: \(refusal)")
      return ExitCode.failure
    }
  }

  /// The one positional argument, an incident id.
  static func incidentArgument(_ arguments: Arguments, command: String) throws -> String {
    guard arguments.positionals.count == 1, let id = arguments.positionals.first else {
      throw Arguments.UsageError(
        command: command,
        message: arguments.positionals.isEmpty
          ? "name the incident (inc-…; `vigil alerts` lists the open ones)"
          : "one incident at a time, found \(arguments.positionals.count) arguments")
    }
    guard id.hasPrefix("inc-"), id.utf8.count <= 64 else {
      throw Arguments.UsageError(
        command: command, message: "an incident id looks like inc-1765000000-1a2b3c, found '\(id.excerpt())'")
    }
    return id
  }
}

/// `vigil unack INCIDENT`: takes an acknowledgement back; escalation and reminders resume.
enum UnackCommand: Command {
  static let name = "unack"
  static let summary = "take an incident's acknowledgement back: escalation and reminders resume"
  static let usage = """
    usage: vigil unack INCIDENT [--config FILE] [--state STORE]

    Removes the acknowledgement of the open incident INCIDENT: from the function's next run on, the
    incident's escalation resumes at the step it has reached, and reminders resume. Exits 1 when no open
    incident has that id.

    options:
    \(configOptionHelp)
    \(stateOptionHelp(fallback: ".vigil"))
    """

  static func run(_ raw: [String]) async throws -> Int32 {
    guard let arguments = try parse(raw, valued: ["config", "state", "state-dir"]) else {
      return ExitCode.success
    }
    let id = try AckCommand.incidentArgument(arguments, command: name)
    let project = try loadProject(arguments)
    let state = try openState(arguments, project: project, fallback: ".vigil", command: name)
    do {
      let changed = try await IncidentAcknowledgements(state: state).withdraw(id)
      Output.out(
        changed.previous == nil
          ? "\(id) (\(changed.key)) was not acknowledged; nothing changed"
          : "acknowledgement of \(id) (\(changed.key)) taken back; escalation and reminders resume at the next run of '\(changed.function)'"
      )
      return ExitCode.success
    } catch let refusal as IncidentAcknowledgements.Refusal {
      Output.err("vigil unack: \(refusal)")
      return ExitCode.failure
    }
  }
}
