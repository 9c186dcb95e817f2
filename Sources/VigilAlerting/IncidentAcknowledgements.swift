import VigilCore
import VigilCron

/// Gives and takes back acknowledgements: finds the open incident in the function ledgers and changes it by
/// compare-and-set, so an acknowledgement given while a run commits (another process, another machine) is
/// never lost: whichever writes second works on what the first stored. Nothing is sent from here; the
/// function's next run tells the channels.
package struct IncidentAcknowledgements: Sendable {
  let state: any StateStore

  package init(state: any StateStore) { self.state = state }

  /// The incident an acknowledgement was given to or taken from.
  package struct Changed: Sendable {
    package var function: String
    package var key: String
    package var incident: AlertState.Incident
    /// The acknowledgement it had before (for `unack`: nil when there was none).
    package var previous: Acknowledgement?
  }

  /// Why an acknowledgement was not given.
  package struct Refusal: Error, Sendable, CustomStringConvertible {
    /// True when no open incident has the id (resolved since, or mistyped).
    package var notOpen: Bool
    package var description: String
  }

  /// Acknowledges the open incident `id`, replacing an acknowledgement it had.
  package func acknowledge(_ id: String, with acknowledgement: Acknowledgement) async throws -> Changed {
    try await change(id) { $0 = acknowledgement }
  }

  /// Takes the acknowledgement of incident `id` back: escalation and reminders resume at its next run.
  package func withdraw(_ id: String) async throws -> Changed {
    try await change(id) { $0 = nil }
  }

  private func change(_ id: String, _ edit: (inout Acknowledgement?) -> Void) async throws -> Changed {
    for ledgerKey in try await state.keys(prefix: "alerts/") {
      guard let function = AlertLedger.function(ofKey: ledgerKey) else { continue }
      let changed: Changed? = try await state.update(ledgerKey) { record in
        guard let record else { return (nil, nil) }
        var ledger = try state.decodeRecord(AlertLedger.self, record.data, key: ledgerKey)
        guard let (key, alert) = ledger.keys.first(where: { $0.value.incident?.id == id }),
          var incident = alert.incident
        else { return (nil, nil) }
        let previous = incident.acknowledgement
        edit(&incident.acknowledgement)
        ledger.keys[key]?.incident = incident
        let result = Changed(function: function, key: key, incident: incident, previous: previous)
        guard incident.acknowledgement != previous else { return (nil, result) }
        return (try JSONCoding.encode(ledger, pretty: true), result)
      }
      if let changed { return changed }
    }
    throw Refusal(
      notOpen: true,
      description:
        "no open incident '\(id.excerpt())' in \(state.location("alerts/")): it has resolved, or the id is wrong (`vigil alerts` lists the open ones)"
    )
  }
}
