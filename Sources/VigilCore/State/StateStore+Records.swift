import VigilCron

extension StateStore {
  /// `state store`, for stores that do not name themselves.
  public var displayName: String { "state store" }

  /// The key itself, for stores that have no better place to name.
  public func location(_ key: String) -> String { key }

  /// The bytes stored under `key`, or nil.
  public func read(_ key: String) async throws -> [UInt8]? {
    try await get(key)?.data
  }

  /// Stores `data` under `key` (last writer wins).
  public func write(_ key: String, _ data: [UInt8]) async throws {
    _ = try await put(key, data, if: .always)
  }

  /// Stores `data` under `key` only if nothing is there yet: true when this call created it.
  public func create(_ key: String, _ data: [UInt8]) async throws -> Bool {
    try await put(key, data, if: .absent) != nil
  }

  /// Decodes the JSON stored under `key`; a record that does not decode is a `StateError` naming its place.
  public func readJSON<T: Decodable>(_ type: T.Type, _ key: String) async throws -> T? {
    guard let data = try await read(key) else { return nil }
    return try decodeRecord(type, data, key: key)
  }

  /// Stores `value` as JSON under `key` (last writer wins).
  public func writeJSON(_ key: String, _ value: some Encodable) async throws {
    try await write(key, JSONCoding.encode(value, pretty: true))
  }

  /// Stores `value` as JSON under `key` only if nothing is there yet: true when this call created it.
  public func createJSON(_ key: String, _ value: some Encodable) async throws -> Bool {
    try await create(key, JSONCoding.encode(value, pretty: true))
  }

  /// Moves a record that cannot be read to `corrupt/<key>-<millis>`, logs where it went, and returns that
  /// place (`location` of the new key).
  @discardableResult
  package func setAside(_ key: String, _ data: [UInt8], now: Instant, reason: String, logger: Logger)
    async throws
    -> String
  {
    let aside = StateKey.quarantine(key, at: now)
    try await write(aside, data)
    try await delete(key)
    logger.error(
      "STATE RECORD CORRUPT: moved aside, its key starts fresh",
      ["record": location(key), "movedTo": location(aside), "error": reason])
    return location(aside)
  }

  /// Decodes a record's JSON; one that does not decode is a corrupt-record `StateError` naming its place.
  package func decodeRecord<T: Decodable>(_ type: T.Type, _ data: [UInt8], key: String) throws -> T {
    do {
      return try JSONCoding.decode(type, from: data)
    } catch {
      throw StateError(
        corrupt:
          "state record \(location(key)) is corrupt (\(data.count) bytes): \(StateDecoding.reason(error))")
    }
  }
}

/// Short, content-free descriptions of decoding failures.
enum StateDecoding {
  /// A decoding error in one short line (the coding path and what was wrong), never the record's content.
  static func reason(_ error: Error) -> String {
    if let failure = error as? JSONParser.Failure { return "not valid JSON at byte \(failure.offset)" }
    switch error as? DecodingError {
    case .dataCorrupted(let context)?: return "not valid JSON at \(path(context.codingPath))"
    case .keyNotFound(let key, let context)?:
      return "missing '\(key.stringValue)' at \(path(context.codingPath))"
    case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
      return "wrong type at \(path(context.codingPath))"
    default: return "cannot be decoded"
    }
  }

  private static func path(_ codingPath: [any CodingKey]) -> String {
    codingPath.isEmpty
      ? "the top level"
      : codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
        .joined(separator: ".")
  }
}
