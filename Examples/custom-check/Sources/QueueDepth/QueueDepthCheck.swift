import Vigil

/// Reads each queue's depth and remembers it (in the state store, so it works on a FaaS platform too): a queue
/// over its `maxDepth` that is no shorter than at the last run is not draining, and that is an alert.
public struct QueueDepthCheck: Handler {
  public init() {}

  /// What one queue looked like.
  public struct QueueResult: Encodable, Sendable, Equatable {
    public var name: String
    public var depth: Int?
    public var previousDepth: Int?
    public var draining: Bool?
    public var healthy: Bool
    public var summary: String
  }

  /// The result: every queue, and one alert candidate per queue for the alerting engine.
  public struct Output: Encodable, Sendable, AlertProducing {
    public var queues: [QueueResult]
    public var alertCandidates: [AlertCandidate]
    enum CodingKeys: String, CodingKey { case queues }
  }

  /// What is remembered between runs, per queue.
  struct Sample: Codable, Equatable {
    var depth: Int
    var at: Instant
  }

  public func handle(_ event: InvocationEvent, context: Context) async throws -> Output {
    guard let configuration = context.configuration else {
      throw CheckFailure(
        "queue-depth needs functions/\(context.functionName)/config.yml with a 'queues' list")
    }
    let config = try QueueDepthConfig.read(configuration)
    var output = Output(queues: [], alertCandidates: [])
    for queue in config.queues {
      let key = "queue-depth/\(context.functionName)/\(queue.name).json"
      let previous = try await context.state.readJSON(Sample.self, key)
      let now = context.clock.now
      var result: QueueResult
      var facts: [AlertCandidate.Fact] = [.init("url", queue.url.description)]
      do {
        let timeout = min(queue.timeout, max(0.1, context.remainingTime - 1))
        let depth = try await queue.url.depth(timeout: timeout)
        // Over its depth with nothing to compare with (the first run) is judged at the next run.
        let draining = previous.map { depth < $0.depth }
        let healthy = depth <= queue.maxDepth || draining != false
        let trend = previous.map { " (was \($0.depth))" } ?? ""
        let summary: String
        if healthy {
          summary =
            depth > queue.maxDepth && previous == nil
            ? "\(queue.name): depth \(depth) over \(queue.maxDepth), first sample: judged at the next run"
            : "\(queue.name): depth \(depth)\(trend)"
        } else {
          summary = "\(queue.name) not draining: depth \(depth)\(trend), over \(queue.maxDepth)"
        }
        result = QueueResult(
          name: queue.name, depth: depth, previousDepth: previous?.depth, draining: draining,
          healthy: healthy,
          summary: summary)
        facts += [.init("depth", String(depth)), .init("max depth", String(queue.maxDepth))]
        if let previous { facts.append(.init("previous depth", String(previous.depth))) }
        try await context.state.writeJSON(key, Sample(depth: depth, at: now))
      } catch let error as QueueReadError {
        result = QueueResult(
          name: queue.name, depth: nil, previousDepth: previous?.depth, draining: nil, healthy: false,
          summary: "\(queue.name) unreadable: \(error)")
        facts.append(.init("error", error.description))
      }
      context.logger.info("queue", ["queue": queue.name, "summary": result.summary])
      output.queues.append(result)
      output.alertCandidates.append(
        AlertCandidate(
          function: context.functionName, check: "queue-depth", target: queue.name, healthy: result.healthy,
          severity: .critical, summary: result.summary, facts: facts, observedAt: now,
          value: result.depth.map(Double.init)))
    }
    return output
  }
}

/// The check cannot run at all (as opposed to a queue that is unhealthy).
public struct CheckFailure: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
