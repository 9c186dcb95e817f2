#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The state contract for a store that can only refuse to overwrite (create-only) and cannot make a write
/// conditional on a version: Tencent COS has no `If-Match` on PUT, and would silently ignore one.
///
/// Each version of a record is its own object, `<key>/@v/<number>` (12 digits), written create-only; the
/// record is its highest-numbered version. Compare-and-set at version n is the create-only write of version
/// n + 1, so of two writers that read n only one can win. A live version holds a marker byte then the data; a
/// deletion is an empty version (a tombstone), so a listing tells live records from deleted ones by size, with
/// no reads. After a write the versions below it are removed.
///
/// Because old versions are removed, a writer that waited while two or more later versions were written
/// could create a freed number below the highest: every write therefore lists the record's versions after it
/// and withdraws (answers "lost") when a higher one exists. The highest version is never removed, except a
/// tombstone older than ``tombstoneLifetime``: a writer that read a record that long before writing could
/// recreate it. This holds when the store's create-only write is atomic and its listing is read-after-write
/// consistent (AWS S3 documents both; for COS see the README).
///
/// Requests: a read is a listing and a GET; a compare-and-set is a PUT, a listing and a DELETE of the
/// version it replaced; a create-only write is a listing, a PUT and a listing.
package final class CreateOnlyCASStore: StateStore {
  package let base: any StateEntryListing
  /// How long a deletion's tombstone is kept before a listing removes it.
  package let tombstoneLifetime: Double
  let now: @Sendable () -> Date

  package init(
    base: any StateEntryListing, tombstoneLifetime: Double = 3600,
    now: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.base = base
    self.tombstoneLifetime = tombstoneLifetime
    self.now = now
  }

  package var displayName: String { base.displayName + " (create-only writes)" }

  package func location(_ key: String) -> String { base.location(key) }

  static let liveMarker = Data([1])
  static let versionSegment = "@v"
  /// Versions are numbered in 12 digits, so listings sort them in order.
  static let digits = 12

  package func get(_ key: String) async throws -> StateRecord? {
    try validate(key)
    // A version read from a listing can be replaced and removed before its GET: look again.
    for _ in 0..<8 {
      let versions = try await versions(of: key)
      guard let top = versions.last else { return nil }
      await remove(versions.dropLast(), of: key)
      if top.size == 0 { return nil }
      guard let record = try await base.get(versionKey(key, top.number)) else { continue }
      guard record.data.first == 1 else {
        throw StateError(corrupt: "state record \(location(key)) version \(top.number) has no marker byte")
      }
      return StateRecord(data: Data(record.data.dropFirst()), version: StateVersion(String(top.number)))
    }
    throw StateError(
      "state record \(location(key)) kept changing while it was read (8 tries)", kind: .contended)
  }

  package func put(_ key: String, _ data: Data, if condition: StateCondition) async throws -> StateVersion? {
    try validate(key)
    var bytes = Self.liveMarker
    bytes.append(data)
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
      if top.size == 0 {
        await remove(versions.dropLast(), of: key)
        return
      }
      if try await writeVersion(key, top.number + 1, Data()) != nil { return }
    }
    throw StateError(
      "cannot delete \(location(key)): other writers won 40 times in a row", kind: .contended)
  }

  /// At most this many expired tombstones are removed by one listing, so a listing's cost stays bounded.
  static let tombstonesRemovedPerListing = 100

  package func keys(prefix: String) async throws -> [String] {
    var tops: [String: Version] = [:]
    for entry in try await base.entries(prefix: prefix) {
      guard let (key, version) = Self.parse(entry), key.hasPrefix(prefix) else { continue }
      if let known = tops[key], known.number >= version.number { continue }
      tops[key] = version
    }
    let expired = now().addingTimeInterval(-tombstoneLifetime)
    var removed = 0
    var live: [String] = []
    for (key, top) in tops {
      if top.size > 0 {
        live.append(key)
      } else if top.modified < expired, removed < Self.tombstonesRemovedPerListing {
        removed += 1
        try? await base.delete(versionKey(key, top.number))
      }
    }
    return live.sorted()
  }

  // MARK: Versions

  struct Version {
    var number: Int
    var size: Int
    var modified: Date
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

  /// Writes version `number` create-only; it is in force only if no higher version exists after it (one
  /// would mean this writer's version was superseded and the numbers below cleaned up while it waited).
  /// Returns the new version, or nil when another writer won.
  func writeVersion(_ key: String, _ number: Int, _ bytes: Data) async throws -> StateVersion? {
    guard number <= Self.largestNumber else {
      throw StateError("state record \(location(key)) has used every version number")
    }
    guard try await base.put(versionKey(key, number), bytes, if: .absent) != nil else { return nil }
    let after = try await versions(of: key)
    if after.contains(where: { $0.number > number }) {
      try? await base.delete(versionKey(key, number))
      return nil
    }
    await remove(after.filter { $0.number < number }[...], of: key)
    return StateVersion(String(number))
  }

  /// Removes superseded versions; one that cannot be removed now is removed by a later read.
  func remove(_ versions: ArraySlice<Version>, of key: String) async {
    for version in versions { try? await base.delete(versionKey(key, version.number)) }
  }

  func validate(_ key: String) throws {
    try validateStateKey(key)
    if key.split(separator: "/").contains(where: { $0 == Self.versionSegment }) {
      throw StateError(
        "invalid state key '\(key.excerpt())': the segment '\(Self.versionSegment)' is reserved for versions")
    }
  }
}
