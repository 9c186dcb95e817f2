import VigilAlerting
import VigilCore
import VigilCron
import VigilRuntime

/// `vigil silence add|list|expire`: hold back the notices of matching alerts for a while.
enum SilenceCommand: Command {
  static let name = "silence"
  static let summary = "hold back matching alerts' notices for a while (add, list, expire)"
  static let usage = """
    usage: vigil silence add --match NAME=PATTERN[,NAME=PATTERN…] --for DURATION [--starts ISO8601]
                             [--by NAME] [--comment TEXT] [--config FILE] [--state STORE]
           vigil silence list [--all] [--json] [--config FILE] [--state STORE]
           vigil silence expire ID [--config FILE] [--state STORE]

    add     Alerts matching every condition of --match (NAME is function, check, target, severity, key or a
            label's name; PATTERN a glob where * matches any run, e.g.
            --match function=kafka-backlog,target='orders*') send no firing, escalation, reminder or
            flapping notice while the silence is active (from --starts, default now, for DURATION, 1m-31d).
            They are still judged and recorded: the first notice a silence holds back per incident is in
            the incident's history and the log. An incident still firing when the silence ends is notified
            by its next run; a resolve is sent even while silenced. Prints the silence's id.
    list    The silences, active and pending (with --all, those that ended in the last week too, marked
            expired).
    expire  Ends silence ID now.

    Silences are one record of the state store (silences.json), changed by compare-and-set, so they work
    while `vigil schedule` or the deployed functions run on the same store.

    options:
    \(configOptionHelp)
    \(stateOptionHelp(fallback: ".vigil"))
      --match CONDITIONS  add: 1-10 NAME=PATTERN conditions, comma-separated
      --for DURATION      add: how long (1m-31d)
      --starts ISO8601    add: when it starts (default now)
      --by NAME           add: who (default $USER, else "cli")
      --comment TEXT      add: why (at most 500 bytes)
      --all               list: the ended ones too
      --json              list: machine-readable
    """

  static func run(_ raw: [String]) async throws -> Int32 {
    guard
      let arguments = try parse(
        raw, valued: ["config", "state", "state-dir", "match", "for", "starts", "by", "comment"],
        flagNames: ["all", "json"])
    else { return ExitCode.success }
    switch arguments.positionals.first {
    case "add" where arguments.positionals.count == 1: return try await add(arguments)
    case "list" where arguments.positionals.count == 1: return try await list(arguments)
    case "expire" where arguments.positionals.count == 2:
      return try await expire(arguments.positionals[1], arguments)
    case "expire":
      throw Arguments.UsageError(command: name, message: "name the silence: vigil silence expire ID")
    default:
      throw Arguments.UsageError(
        command: name, message: "say what to do: 'vigil silence add', 'list' or 'expire ID'")
    }
  }

  static func add(_ arguments: Arguments) async throws -> Int32 {
    guard let match = arguments.options["match"] else {
      throw Arguments.UsageError(
        command: name, message: "--match is needed, e.g. --match function=kafka-backlog,target='orders*'")
    }
    let matchers: [Silence.Matcher]
    do { matchers = try Silence.matchers(match) } catch {
      throw Arguments.UsageError(command: name, message: "--match: \(error)")
    }
    guard let seconds = try arguments.seconds("for", command: name, within: 60...31 * 86_400) else {
      throw Arguments.UsageError(command: name, message: "--for is needed: how long, 1m-31d (e.g. 2h)")
    }
    let now = SystemClock().now
    var starts = now
    if let text = arguments.options["starts"] {
      guard let parsed = ISO8601.parse(text) else {
        throw Arguments.UsageError(
          command: name,
          message: "--starts is an ISO-8601 time such as 2026-12-08T02:00:00Z, found '\(text.excerpt())'")
      }
      starts = parsed.date(in: .utc)
    }
    let (by, comment) = try arguments.authorship(command: name)
    let project = try loadProject(arguments)
    let state = try openState(arguments, project: project, fallback: ".vigil", command: name)
    let silence = Silence(
      id: "sil-" + RandomUUID.make().prefix(8).lowercased(), matchers: matchers, startsAt: starts,
      endsAt: starts.addingTimeInterval(seconds), createdBy: by, comment: comment)
    do {
      let added = try await Silences(state: state).add(silence, now: now)
      Output.out(added.id)
      Output.err(
        "silence \(added.id) (\(added.matchText)) \(added.phase(at: now)) from \(ISO8601.format(added.startsAt)) until \(ISO8601.format(added.endsAt))"
      )
      return ExitCode.success
    } catch let error as SilenceError {
      Output.err("vigil silence: \(error)")
      return ExitCode.failure
    }
  }

  static func list(_ arguments: Arguments) async throws -> Int32 {
    let project = try loadProject(arguments)
    let state = try openState(arguments, project: project, fallback: ".vigil", command: name)
    let now = SystemClock().now
    let all = try await Silences(state: state).list()
    let shown = arguments.flags.contains("all") ? all : all.filter { $0.endsAt > now }
    if arguments.flags.contains("json") {
      let items: [JSONValue] = shown.map { silence in
        .object([
          "id": .string(silence.id), "match": .string(silence.matchText),
          "state": .string(silence.phase(at: now)),
          "startsAt": .string(ISO8601.format(silence.startsAt)),
          "endsAt": .string(ISO8601.format(silence.endsAt)),
          "createdBy": .string(silence.createdBy), "comment": silence.comment.map { .string($0) } ?? .null,
          "expiredAt": silence.expiredAt.map { .string(ISO8601.format($0)) } ?? .null,
        ])
      }
      Output.out(try JSONCoding.encodeString(JSONValue.object(["silences": .array(items)]), pretty: true))
      return ExitCode.success
    }
    var lines = ["silences: \(shown.count)"]
    for silence in shown {
      var line =
        "  \(silence.id)  \(silence.phase(at: now))  \(silence.matchText)  \(ISO8601.format(silence.startsAt)) - \(ISO8601.format(silence.endsAt))  by \(silence.createdBy)"
      if let comment = silence.comment { line += "  \(comment)" }
      lines.append(line)
    }
    Output.out(lines.joined(separator: "\n"))
    return ExitCode.success
  }

  static func expire(_ id: String, _ arguments: Arguments) async throws -> Int32 {
    let project = try loadProject(arguments)
    let state = try openState(arguments, project: project, fallback: ".vigil", command: name)
    do {
      let expired = try await Silences(state: state).expire(id, now: SystemClock().now)
      Output.out(
        "silence \(expired.id) (\(expired.matchText)) expired; incidents it held back are notified by their next run"
      )
      return ExitCode.success
    } catch let error as SilenceError {
      Output.err("vigil silence: \(error)")
      return ExitCode.failure
    }
  }
}
