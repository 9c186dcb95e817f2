/// How long read-modify-write keeps trying when other writers keep changing the record.
package enum StateContention {
  /// Compare-and-set attempts before giving up. Each lost attempt is another writer's won one, so N writers
  /// of one record each win within N attempts; every attempt is bounded by the store's own timeouts, so the
  /// whole update is too.
  package static let attempts = 40

  /// A short random wait before retry `attempt` (1-based): up to 2^attempt ms, at most 50 ms, so writers that
  /// collided spread out instead of colliding again.
  package static func pause(before attempt: Int) async {
    let ceiling = min(50, 1 << min(attempt, 6))
    let millis = Int.random(in: 0...ceiling)
    try? await Task.sleep(nanoseconds: UInt64(millis) * 1_000_000)
  }
}

extension Duration {
  /// The duration in seconds.
  package var seconds: Double {
    Double(components.seconds) + Double(components.attoseconds) / 1e18
  }
}

extension StateStore {
  /// Read-modify-write by compare-and-set: `body` gets the current record (nil when absent) and returns the
  /// bytes to store (nil: store nothing) and a result. When another writer changed the record in between, it
  /// runs again on what that writer stored, so no update is lost and none is applied on a stale read. Gives up
  /// with a `.contended` error after `attempts` tries, never waiting for ever.
  public func update<Result>(
    _ key: String, attempts: Int = 40,
    _ body: (StateRecord?) throws -> (store: [UInt8]?, result: Result)
  ) async throws -> Result {
    let started = ContinuousClock.now
    var attempt = 0
    while true {
      attempt += 1
      let current = try await get(key)
      let (store, result) = try body(current)
      guard let store else { return result }
      if try await put(key, store, if: .unchanged(since: current)) != nil { return result }
      if attempt >= attempts {
        let elapsed = ContinuousClock.now - started
        throw StateError(
          "cannot update \(location(key)): other writers changed it \(attempt) times in a row "
            + "(\(String(elapsed.seconds, decimals: 1)) s); "
            + "too many invocations are writing the same record at once",
          kind: .contended)
      }
      await StateContention.pause(before: attempt)
    }
  }

  /// `update` of a JSON record: `body` changes the decoded value in place (nil when absent; set it to nil to
  /// store nothing new) and the record is written only when it changed. A record that does not decode is a
  /// corrupt-record `StateError`. `pretty: false` stores it on one line (history, where size counts).
  public func updateJSON<Value: Codable & Equatable, Result>(
    _ type: Value.Type, _ key: String, attempts: Int = 40, pretty: Bool = true,
    _ body: (inout Value?) throws -> Result
  ) async throws -> Result {
    try await update(key, attempts: attempts) { record in
      let old = try record.map { try decodeRecord(Value.self, $0.data, key: key) }
      var value = old
      let result = try body(&value)
      guard let value, value != old else { return (nil, result) }
      return (try JSONCoding.encode(value, pretty: pretty), result)
    }
  }
}
