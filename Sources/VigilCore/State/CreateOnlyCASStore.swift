import VigilCron

/// The state contract for a store that can only refuse to overwrite (create-only) and cannot make a write
/// conditional on a version: Tencent COS has no `If-Match` on PUT, and would silently ignore one.
///
/// Each version of a record is its own object, `<key>/@v/<number>` (12 digits), written create-only; the
/// record is its highest-numbered version. Compare-and-set at version n is the create-only write of version
/// n + 1, so of two writers that read n only one can win. A live version holds a marker byte then the data; a
/// deletion is an empty version (a tombstone), so a listing tells live records from deleted ones by size, with
/// no reads.
///
/// A version number must never be written twice, or a writer that read n long ago could create a removed n + 1
/// below the newest and be told it won. So a version is removed only once its successor is older than
/// ``supersededLifetime`` (10 minutes), and the newest version only when it is a tombstone older than
/// ``tombstoneLifetime`` (an hour): a writer whose read is younger than those never meets a reused number. This
/// holds when the store's create-only write is atomic and its listing is read-after-write consistent (AWS S3
/// documents both; for COS see the README).
///
/// Requests: a read is a listing and a GET (and the removal of long-superseded versions it finds); a
/// compare-and-set is one PUT; a create-only or unconditional write is a listing and a PUT.
package final class CreateOnlyCASStore: StateStore {
  package let base: any StateEntryListing
  /// How long a deletion's tombstone is kept before a listing removes it.
  package let tombstoneLifetime: Double
  /// How long a version is kept after its successor was written.
  package let supersededLifetime: Double
  let now: @Sendable () -> Instant

  package init(
    base: any StateEntryListing, tombstoneLifetime: Double = 3600, supersededLifetime: Double = 600,
    now: @escaping @Sendable () -> Instant = { Instant() }
  ) {
    self.base = base
    self.tombstoneLifetime = tombstoneLifetime
    self.supersededLifetime = supersededLifetime
    self.now = now
  }

  package var displayName: String { base.displayName + " (create-only writes)" }

  package func location(_ key: String) -> String { base.location(key) }

  static let liveMarker = [UInt8]([1])
  static let versionSegment = "@v"
  /// Versions are numbered in 12 digits, so listings sort them in order.
  static let digits = 12

  package func get(_ key: String) async throws -> StateRecord? {
    try validate(key)
    // A version read from a listing can be replaced and removed before its GET: look again.
    for _ in 0..<8 {
      let versions = try await versions(of: key)
      guard let top = versions.last else { return nil }
      await removeSuperseded(versions, of: key)
      if top.size == 0 { return nil }
      guard let record = try await base.get(versionKey(key, top.number)) else { continue }
      guard record.data.first == 1 else {
        throw StateError(corrupt: "state record \(location(key)) version \(top.number) has no marker byte")
      }
      return StateRecord(data: [UInt8](record.data.dropFirst()), version: StateVersion(String(top.number)))
    }
    throw StateError(
      "state record \(location(key)) kept changing while it was read (8 tries)", kind: .contended)
  }

  package func put(_ key: String, _ data: [UInt8], if condition: StateCondition) async throws -> StateVersion?
  {
    try validate(key)
    var bytes = Self.liveMarker
    bytes.append(contentsOf: data)
    switch condition {
    case .version(let version):
      guard let number = Int(version.token), number >= 1, number < Self.largestNumber else { return nil }
      return try await writeVersion(key, number + 1, bytes)
    case .absent:
      for _ in 0..<8 {
        let versions = try await versions(of: key)
        if let top = versions.last, top.size > 0 { return nil }
        if let written = try await writeVersion(key, (versions.last?.number ?? 0) + 1, bytes) {
          return written
        }
      }
      return nil  // other writers kept winning: the record is theirs
    case .always:
      for _ in 0..<40 {
        let versions = try await versions(of: key)
        if let written = try await writeVersion(key, (versions.last?.number ?? 0) + 1, bytes) {
          return written
        }
      }
      throw StateError(
        "cannot write \(location(key)): other writers won 40 times in a row", kind: .contended)
    }
  }

  package func delete(_ key: String) async throws {
    try validate(key)
    for _ in 0..<40 {
      let versions = try await versions(of: key)
      guard let top = versions.last else { return }
      if top.size == 0 { return }
      if try await writeVersion(key, top.number + 1, [UInt8]()) != nil { return }
    }
    throw StateError(
      "cannot delete \(location(key)): other writers won 40 times in a row", kind: .contended)
  }

  /// At most this many expired tombstones are removed by one listing, so a listing's cost stays bounded.
  static let tombstonesRemovedPerListing = 100

  package func keys(prefix: String) async throws -> [String] {
    var all: [String: [Version]] = [:]
    for entry in try await base.entries(prefix: prefix) {
      guard let (key, version) = Self.parse(entry), key.hasPrefix(prefix) else { continue }
      all[key, default: []].append(version)
    }
    let expired = now().addingTimeInterval(-tombstoneLifetime)
    var removed = 0
    var live: [String] = []
    for (key, unsorted) in all {
      let versions = unsorted.sorted { $0.number < $1.number }
      guard let top = versions.last else { continue }
      if top.size > 0 {
        live.append(key)
      } else if top.modified < expired, removed < Self.tombstonesRemovedPerListing {
        // The versions below go first: a tombstone removed before them would bring them back.
        removed += 1
        var cleared = true
        for version in versions.dropLast() {
          do { try await base.delete(versionKey(key, version.number)) } catch { cleared = false }
        }
        if cleared { try? await base.delete(versionKey(key, top.number)) }
      }
    }
    return live.sorted()
  }

  // MARK: Versions

  struct Version {
    var number: Int
    var size: Int
    var modified: Instant
  }

  static let largestNumber = 999_999_999_999

  func versionKey(_ key: String, _ number: Int) -> String {
    let text = String(number)
    return "\(key)/\(Self.versionSegment)/" + String(repeating: "0", count: max(0, Self.digits - text.count))
      + text
  }

  /// `(key, version)` of a version object's entry, or nil for anything else under the prefix.
  static func parse(_ entry: StateEntry) -> (String, Version)? {
    let marker = "/\(versionSegment)/"
    let key = entry.key
    guard key.utf8.count > marker.utf8.count + digits else { return nil }
    let number = key.suffix(digits)
    let owner = key.dropLast(digits)
    guard owner.hasSuffix(marker), number.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(number)
    else { return nil }
    return (
      String(owner.dropLast(marker.count)), Version(number: value, size: entry.size, modified: entry.modified)
    )
  }

  /// The versions of `key`, lowest first.
  func versions(of key: String) async throws -> [Version] {
    try await base.entries(prefix: "\(key)/\(Self.versionSegment)/").compactMap { entry in
      guard let (owner, version) = Self.parse(entry), owner == key else { return nil }
      return version
    }
    .sorted { $0.number < $1.number }
  }

  /// Writes version `number` create-only: the new version, or nil when another writer wrote that number.
  func writeVersion(_ key: String, _ number: Int, _ bytes: [UInt8]) async throws -> StateVersion? {
    guard number <= Self.largestNumber else {
      throw StateError("state record \(location(key)) has used every version number")
    }
    guard try await base.put(versionKey(key, number), bytes, if: .absent) != nil else { return nil }
    return StateVersion(String(number))
  }

  /// Removes the versions whose successor is older than ``supersededLifetime`` (never the newest); one that
  /// cannot be removed now is removed by a later read.
  func removeSuperseded(_ versions: [Version], of key: String) async {
    let expired = now().addingTimeInterval(-supersededLifetime)
    for (version, successor) in zip(versions, versions.dropFirst()) where successor.modified < expired {
      try? await base.delete(versionKey(key, version.number))
    }
  }

  func validate(_ key: String) throws {
    try validateStateKey(key)
    if key.split(separator: "/").contains(where: { $0 == Self.versionSegment }) {
      throw StateError(
        "invalid state key '\(key.excerpt())': the segment '\(Self.versionSegment)' is reserved for versions")
    }
  }
}
