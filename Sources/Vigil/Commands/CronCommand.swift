import VigilCron

/// `vigil cron next`: fire times of a seven-field expression.
enum CronCommand: Command {
  static let name = "cron"
  static let summary = "compute fire times of a seven-field cron expression ('vigil cron next …')"
  static let usage = """
    usage: vigil cron next '<expr>' [--from ISO8601] [--count N] [--tz IANA]
           vigil cron explain '<expr>' [--lang en|zh]

    Prints the next N (default 5) fire times strictly after --from (default now), one ISO-8601 timestamp
    per line with the UTC offset in force in --tz at that instant (default Asia/Shanghai, as SCF runs
    timers in UTC+8). Fewer lines when fewer exist before 2100; nothing (exit 0) when it never fires.
    An invalid expression prints the field, token and reason on stderr and exits 2.

    The expression: second minute hour day-of-month month day-of-week year (or the legacy five fields
    minute hour day-of-month month day-of-week). Day-of-week 0 = Sunday (or SUN-SAT); 7 is invalid.
    Operators , - * / everywhere; ? L W LW in day-of-month; ? L # in day-of-week. When both day fields
    are restricted, either matching fires. DST: a time skipped by spring-forward fires at the first
    instant after the gap (unless the hour field is every hour); a repeated time fires twice.

    usage: vigil cron explain '<expr>' [--lang en|zh]

    Describes the expression in plain English (default) or Chinese (--lang zh).

    usage: vigil cron aws '<expr>' [--tz IANA]

    Translates the expression for Amazon EventBridge: prints `cron(min hour day-of-month month day-of-week
    year)` when an equivalent exists, else says why on stderr and exits 2 (EventBridge has no seconds field,
    takes one day field only, numbers weekdays 1-7 from Sunday, has no LW). EventBridge rules run in UTC; the
    note on stderr gives the EventBridge Scheduler timezone to use instead (--tz, default Asia/Shanghai).
    """

  static func run(_ raw: [String]) async throws -> Int32 {
    let arguments = try Arguments(raw, command: name, valued: ["from", "count", "tz", "lang"])
    if arguments.flags.contains("help") || arguments.positionals.isEmpty {
      Output.out(usage)
      return arguments.flags.contains("help") ? ExitCode.success : ExitCode.usage
    }
    switch arguments.positionals[0] {
    case "next": return try next(arguments)
    case "explain": return try explain(arguments)
    case "aws": return try aws(arguments)
    default:
      throw Arguments.UsageError(
        command: name,
        message: "unknown cron sub-command '\(arguments.positionals[0])'; use 'vigil cron next'")
    }
  }

  /// The sub-command's one argument, the expression; `example` shows the sub-command with one.
  static func expression(_ arguments: Arguments, example: String) throws -> String {
    guard arguments.positionals.count == 2 else {
      throw Arguments.UsageError(
        command: name, message: "give the expression as one quoted argument, e.g. vigil cron \(example)")
    }
    return arguments.positionals[1]
  }

  static func aws(_ arguments: Arguments) throws -> Int32 {
    let text = try expression(arguments, example: "aws '0 30 9 * * 1-5 *'")
    do {
      Output.out(try AWSCron.translate(text))
      let zone = arguments.options["tz"] ?? "Asia/Shanghai"
      Output.err(
        "note: EventBridge rules evaluate cron in UTC; with EventBridge Scheduler set ScheduleExpressionTimezone to \(zone) to keep these local times."
      )
      return ExitCode.success
    } catch {
      Output.err("cannot translate: \(error)")
      return ExitCode.usage
    }
  }

  static func explain(_ arguments: Arguments) throws -> Int32 {
    let text = try expression(arguments, example: "explain '0 */5 * * * * *'")
    let languageText = arguments.options["lang"] ?? "en"
    guard let language = CronLanguage(rawValue: languageText) else {
      throw Arguments.UsageError(command: name, message: "--lang must be en or zh, found '\(languageText)'")
    }
    do {
      Output.out(try CronExpression(text).explanation(in: language))
      return ExitCode.success
    } catch {
      Output.err("\(error)")
      return ExitCode.usage
    }
  }

  static func next(_ arguments: Arguments) throws -> Int32 {
    let text = try expression(arguments, example: "next '0 */5 * * * * *'")
    let zone: Zone
    do {
      zone = try Zone.named(arguments.options["tz"] ?? "Asia/Shanghai", environment: environment)
    } catch {
      throw Arguments.UsageError(command: name, message: "--tz: \(error)")
    }
    var count = 5
    if let text = arguments.options["count"] {
      guard let parsed = Int(text), parsed >= 0, parsed <= 100_000 else {
        throw Arguments.UsageError(
          command: name, message: "--count must be a whole number 0-100000, found '\(text)'")
      }
      count = parsed
    }
    var from = Instant()
    if let text = arguments.options["from"] {
      guard let parsed = ISO8601.parse(text) else {
        throw Arguments.UsageError(
          command: name, message: "--from '\(text)' is not an ISO-8601 time like 2024-03-10T01:30:00-05:00")
      }
      from = parsed.date(in: zone)
    }
    let expression: CronExpression
    do {
      expression = try CronExpression(text)
    } catch {
      Output.err("\(error)")
      return ExitCode.usage
    }
    let dates = expression.nextDates(after: from, count: count, in: zone)
    if !dates.isEmpty { Output.out(dates.map { ISO8601.format($0, in: zone) }.joined(separator: "\n")) }
    return ExitCode.success
  }
}
