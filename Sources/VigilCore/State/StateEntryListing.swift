import VigilCron

/// A stored key with what a listing tells about it without reading it.
package struct StateEntry: Sendable, Hashable {
  package var key: String
  package var size: Int
  package var modified: Instant

  package init(key: String, size: Int, modified: Instant) {
    self.key = key
    self.size = size
    self.modified = modified
  }
}

/// A store whose listing also gives each record's size and time of writing (S3's ListObjectsV2 does), in one
/// request per page: what ``CreateOnlyCASStore`` needs to tell live versions from deletions without reading.
package protocol StateEntryListing: StateStore {
  /// The entries whose keys start with `prefix`, sorted by key.
  func entries(prefix: String) async throws -> [StateEntry]
}
