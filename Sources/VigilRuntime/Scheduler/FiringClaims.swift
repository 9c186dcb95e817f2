import Synchronization
import VigilCore

#if canImport(Glibc)
  import Glibc
#endif

/// Which `vigil schedule` replica runs a firing: each firing (function, trigger, scheduled instant) is claimed
/// with one create-only write to the shared store, so of several replicas on one store exactly one runs it, and
/// when one dies the others' next claims win. No leader and no heartbeat: the store decides each firing.
///
/// Replicas given a region (`--region`, `VIGIL_REGION`) claim within it: each region runs every firing once,
/// since a check judged by quorum needs every region's own run.
///
/// Claims are small records under `schedule/claims/`; a replica removes its own once they are ten minutes old,
/// and once an hour one replica (holding the `schedule-claims-sweep` lease) removes any older than an hour
/// (those of replicas that were killed).
package final class FiringClaims: Sendable {
  let state: any StateStore
  let logger: Logger
  /// Who this replica is, in every claim it writes: host, process and a random part.
  package let replica: String
  /// The region whose replicas share claims, when the replica was given one.
  package let region: String?
  private let won = Mutex<[(key: String, at: Int64)]>([])
  private let lastSweep = Mutex<Int64>(0)

  /// Claims older than this are removed by the replica that made them.
  static let keepOwn: Int64 = 600
  /// Claims older than this are removed by the hourly sweep, whoever made them.
  static let keepAny: Int64 = 3_600

  package init(state: any StateStore, logger: Logger, region: String? = nil) {
    self.state = state
    self.logger = logger
    self.region = region
    var name = [CChar](repeating: 0, count: 256)
    let host = gethostname(&name, name.count) == 0 ? String(cString: name) : "host"
    replica = "\(host)/\(getpid())/\(UInt32.random(in: 0...UInt32.max))"
  }

  static func key(function: String, trigger: String, at instant: Int64, region: String? = nil) -> String {
    let scope = region.map { "region-\($0)/" } ?? ""
    return "schedule/claims/\(scope)\(StateKey.segment(function))/\(StateKey.segment(trigger))/\(instant)"
  }

  /// Whether this replica runs the firing. A store that cannot be asked is logged as an error and the firing
  /// runs (its alerting then fails loudly too): a missed check is worse than a repeated one.
  package func claim(function: String, trigger: String, at instant: Int64, now: Int64) async -> Bool {
    let key = Self.key(function: function, trigger: trigger, at: instant, region: region)
    let fields = ["function": function, "trigger": trigger, "scheduledAt": String(instant)]
    let record = [UInt8](#"{"replica":"\#(replica)","claimedAt":\#(now)}"#.utf8)
    let mine: Bool
    do {
      mine = try await state.create(key, record)
    } catch {
      logger.error(
        "FIRING NOT CLAIMED: the state store cannot be asked; running it here (other replicas may too)",
        fields.merging(["error": "\(error)"]) { _, new in new })
      return true
    }
    guard mine else {
      logger.debug("another replica claimed this firing", fields)
      return false
    }
    let old = won.withLock { won -> [String] in
      won.append((key, instant))
      let expired = won.filter { $0.at < now - Self.keepOwn }.map(\.key)
      won.removeAll { $0.at < now - Self.keepOwn }
      return expired
    }
    for key in old { try? await state.delete(key) }
    await sweepIfDue(now: now)
    return true
  }

  /// Once an hour, under a lease so one replica does it: removes claims older than an hour.
  func sweepIfDue(now: Int64) async {
    let due = lastSweep.withLock { last -> Bool in
      guard now - last >= Self.keepAny else { return false }
      last = now
      return true
    }
    guard due else { return }
    do {
      guard try await state.acquireLease("schedule-claims-sweep", owner: replica, seconds: 300) else {
        return
      }
      var removed = 0
      for key in try await state.keys(prefix: "schedule/claims/") {
        guard let instant = key.split(separator: "/").last.flatMap({ Int64($0) }),
          instant < now - Self.keepAny
        else { continue }
        try await state.delete(key)
        removed += 1
      }
      _ = try await state.releaseLease("schedule-claims-sweep", owner: replica)
      if removed > 0 { logger.info("old firing claims removed", ["removed": String(removed)]) }
    } catch {
      logger.warning("old firing claims could not be swept; the next hour tries again", ["error": "\(error)"])
    }
  }
}
