import VigilCore
import VigilCron

/// What one region's run of a function saw, as it is kept in the shared store (`regions/<function>/<region>.json`):
/// every alert candidate of that run. Each region writes only its own record, so regions never contend.
package struct RegionReport: Sendable, Codable, Hashable {
  package var region: String
  package var requestID: String
  package var observedAt: Instant
  /// When this region first reported (kept from its previous report): a region that has never reported is
  /// called silent only once another has been reporting for longer than the window, so a new deployment
  /// whose regions start one after another does not alert.
  package var reportingSince: Instant
  package var candidates: [AlertCandidate]

  package init(
    region: String, requestID: String, observedAt: Instant, reportingSince: Instant? = nil,
    candidates: [AlertCandidate]
  ) {
    self.region = region
    self.requestID = requestID
    self.observedAt = observedAt
    self.reportingSince = reportingSince ?? observedAt
    self.candidates = candidates
  }

  /// Where a region's last report of `function` is kept (region names are `[a-z0-9-]` words, valid key
  /// segments as they are).
  package static func key(function: String, region: String) -> String {
    "regions/\(StateKey.segment(function))/\(region).json"
  }
}
