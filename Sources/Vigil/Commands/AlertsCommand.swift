import VigilAlerting
import VigilCore
import VigilCron
import VigilRuntime

/// `vigil alerts`: open incidents, the outbox, and recent deliveries, read from the state folder.
enum AlertsCommand: Command {
  static let name = "alerts"
  static let summary = "show open incidents, the outbox and recent deliveries"
  static let usage = """
    usage: vigil alerts [--config FILE] [--state STORE] [--json]

    Reads the state folder and prints: open incidents (key, since, incident id, notifications sent), outbox
    entries waiting for a retry (channel, attempts, next attempt, last error), deliveries that failed for
    good, and the 10 most recent deliveries. --json prints the same as one JSON object.

    options:
    \(configOptionHelp)
    \(stateOptionHelp(fallback: ".vigil"))
      --json             machine-readable output
    """

  static func run(_ raw: [String]) async throws -> Int32 {
    guard let arguments = try parse(raw, valued: ["config", "state", "state-dir"], flagNames: ["json"]) else {
      return ExitCode.success
    }
    let project = try loadProject(arguments)
    let state = try openState(arguments, project: project, fallback: ".vigil", command: name)
    var incidents: [(key: String, state: AlertState)] = []
    var unreadable: [String] = []
    for key in try await state.keys(prefix: "alerts/") where AlertLedger.function(ofKey: key) != nil {
      do {
        guard let ledger = try await state.readJSON(AlertLedger.self, key) else { continue }
        for (alertKey, alert) in ledger.keys.sorted(by: { $0.key < $1.key }) where alert.incident != nil {
          incidents.append((alertKey, alert))
        }
      } catch {
        unreadable.append("\(error)")
      }
    }
    func entries(_ folder: String) async throws -> [OutboxEntry] {
      var entries: [OutboxEntry] = []
      for key in try await state.keys(prefix: "outbox/\(folder)/") {
        do {
          if let entry = try await state.readJSON(OutboxEntry.self, key) { entries.append(entry) }
        } catch {
          unreadable.append("\(error)")
        }
      }
      return entries
    }
    let pending = try await entries("pending")
    let failed = try await entries("failed")
    let delivered = try await entries("delivered").sorted {
      ($0.deliveredAt ?? .distantPast) > ($1.deliveredAt ?? .distantPast)
    }.prefix(10)
    for problem in unreadable { Output.err("vigil alerts: \(problem)") }
    if arguments.flags.contains("json") {
      let report: JSONValue = .object([
        "incidents": .array(
          incidents.map { item in
            .object([
              "key": .string(item.key), "incident": .string(item.state.incident?.id ?? ""),
              "since": .string(item.state.incident.map { ISO8601.format($0.startedAt) } ?? ""),
              "notified": .int(Int64(item.state.incident?.stepsNotified ?? 0)),
              "acknowledged": item.state.incident?.acknowledgement.map(Self.json) ?? .null,
            ])
          }),
        "pending": .array(pending.map(Self.json)), "failed": .array(failed.map(Self.json)),
        "delivered": .array(delivered.map(Self.json)),
      ])
      Output.out(try JSONCoding.encodeString(report, pretty: true))
      return unreadable.isEmpty ? ExitCode.success : ExitCode.failure
    }
    let now = SystemClock().now
    var lines = ["open incidents: \(incidents.count)"]
    for item in incidents {
      guard let incident = item.state.incident else { continue }
      lines.append(
        "  \(item.key)  since \(ISO8601.format(incident.startedAt))  \(incident.id)  notifications \(incident.stepsNotified)"
      )
      if let ack = incident.acknowledgement { lines.append("    acknowledged \(ack.describe(at: now))") }
    }
    lines.append("outbox pending: \(pending.count)")
    for entry in pending {
      lines.append(
        "  \(entry.channel)  attempts \(entry.attempts)  next \(ISO8601.format(entry.nextAttemptAt))  \(entry.lastError ?? "")"
      )
    }
    lines.append("failed for good: \(failed.count)")
    for entry in failed {
      lines.append("  \(entry.channel)  \(ISO8601.format(entry.createdAt))  \(entry.lastError ?? "")")
    }
    lines.append("recent deliveries: \(delivered.count)")
    for entry in delivered {
      lines.append(
        "  \(entry.deliveredAt.map { ISO8601.format($0) } ?? "?")  \(entry.channel)  \(entry.notification.title)"
      )
    }
    Output.out(lines.joined(separator: "\n"))
    return unreadable.isEmpty ? ExitCode.success : ExitCode.failure
  }

  static func json(_ ack: Acknowledgement) -> JSONValue {
    .object([
      "by": .string(ack.by), "at": .string(ISO8601.format(ack.at)),
      "until": ack.until.map { .string(ISO8601.format($0)) } ?? .null,
      "holds": .bool(ack.holds(at: SystemClock().now)), "comment": ack.comment.map { .string($0) } ?? .null,
      "via": .string(ack.via),
    ])
  }

  static func json(_ entry: OutboxEntry) -> JSONValue {
    .object([
      "id": .string(entry.id), "channel": .string(entry.channel), "attempts": .int(Int64(entry.attempts)),
      "title": .string(entry.notification.title), "lastError": entry.lastError.map { .string($0) } ?? .null,
      "nextAttemptAt": .string(ISO8601.format(entry.nextAttemptAt)),
      "deliveredAt": entry.deliveredAt.map { .string(ISO8601.format($0)) } ?? .null,
    ])
  }
}
