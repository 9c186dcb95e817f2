import VigilCron

/// A lease kept as a record (`leases/<name>.json`: owner and expiry), for stores without a native one: won with
/// a create-only write, taken over when expired with a compare-and-set, released by its owner with a
/// compare-and-set too. Expiry is judged on the clock of the instance that reads it, so instances sharing such a
/// store must keep their clocks within a fraction of the lease (NTP does).
struct LeaseRecord: Codable, Equatable {
  var owner: String
  /// Milliseconds since 1970.
  var expiresAt: Int64

  static func key(_ name: String) -> String { "leases/\(StateKey.segment(name)).json" }
}

extension StateStore {
  /// Claims `name` for `owner` for `seconds` (a lease kept as a record).
  public func acquireLease(_ name: String, owner: String, seconds: Double) async throws -> Bool {
    try await acquireRecordLease(name, owner: owner, seconds: seconds, now: Instant())
  }

  /// Ends `owner`'s claim on `name`; another owner's claim is left alone.
  public func releaseLease(_ name: String, owner: String) async throws -> Bool {
    try await releaseRecordLease(name, owner: owner)
  }

  /// The record lease, with the time injectable.
  package func acquireRecordLease(_ name: String, owner: String, seconds: Double, now: Instant) async throws
    -> Bool
  {
    let key = LeaseRecord.key(name)
    let nowMillis = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
    let wanted = LeaseRecord(owner: owner, expiresAt: nowMillis + Int64(max(0.001, seconds) * 1000))
    return try await update(key, attempts: 8) { record in
      if let record {
        // A record that cannot be read is treated as expired: nobody can prove they hold it.
        let held = try? decodeRecord(LeaseRecord.self, record.data, key: key)
        if let held, held.owner != owner, held.expiresAt > nowMillis { return (nil, false) }
      }
      return (try JSONCoding.encode(wanted), true)
    }
  }

  /// Deletes the lease record if `owner` holds it (a compare-and-set first marks it expired, so a takeover in
  /// between is never deleted).
  package func releaseRecordLease(_ name: String, owner: String) async throws -> Bool {
    let key = LeaseRecord.key(name)
    guard let record = try await get(key),
      let held = try? decodeRecord(LeaseRecord.self, record.data, key: key), held.owner == owner
    else { return false }
    let released = LeaseRecord(owner: "", expiresAt: 0)
    guard try await put(key, JSONCoding.encode(released), if: .version(record.version)) != nil else {
      return false
    }
    return true
  }
}
