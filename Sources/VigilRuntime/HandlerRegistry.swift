import VigilChecks
import VigilCore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Every handler name `serverless.yml` may use: the ones built, and the ones planned (which say so instead of
/// pretending to run).
public struct HandlerRegistry: Sendable {
  /// A registry entry.
  public enum Entry: Sendable {
    case available(AnyHandler)
    /// Planned but not built yet: the reason names what will bring it.
    case notAvailable(name: String, reason: String)
  }

  private var entries: [String: Entry]

  public init(entries: [String: Entry]) { self.entries = entries }

  /// The handlers this build ships.
  public static let standard = HandlerRegistry(entries: [
    "website-status": .available(
      AnyHandler(
        name: "website-status", summary: "HTTP(S) status, timings and conditions per URL",
        WebsiteStatusHandler())),
    "echo": .available(
      AnyHandler(
        name: "echo", summary: "diagnostic: returns the event and context it received", EchoHandler())),
    "fail": .available(
      AnyHandler(name: "fail", summary: "diagnostic: always throws (tests error reporting)", FailHandler())),
    "sleep": .available(
      AnyHandler(name: "sleep", summary: "diagnostic: sleeps event.seconds (tests timeouts)", SleepHandler())),
    "region-latency": .available(
      AnyHandler(
        name: "region-latency", summary: "one URL measured from several regions, judged by rules",
        RegionLatencyHandler())),
    "kafka-backlog": .available(
      AnyHandler(
        name: "kafka-backlog",
        summary: "consumer-group lag over the Kafka protocol or the CKafka API, judged Burrow-style",
        KafkaBacklogHandler())),
    "host-resources": .available(
      AnyHandler(
        name: "host-resources",
        summary: "CPU, memory, swap, load, disk and processes of this host, cgroup v2 limits respected",
        HostResourcesHandler())),
    "heartbeat-watchdog": .available(
      AnyHandler(
        name: "heartbeat-watchdog",
        summary: "alerts when a host that used to report goes silent, at escalation offsets",
        HeartbeatWatchdogHandler())),
    "heartbeat-ingest": .available(
      AnyHandler(
        name: "heartbeat-ingest", summary: "records a host's report (POST /heartbeat/<host>, API gateway)",
        HeartbeatIngestHandler())),
  ])

  /// Looks a handler up by the name in `serverless.yml`.
  public func entry(_ name: String) -> Entry? { entries[name] }

  /// All names, sorted.
  public var names: [String] { entries.keys.sorted() }
}

/// Returns what it was given: handy to check a deployment and its event plumbing.
struct EchoHandler: Handler {
  struct Output: Encodable, Sendable {
    var event: JSONValue
    var eventKind: String
    var requestId: String
    var functionName: String
    var namespace: String
    var region: String
    var memoryLimitInMb: Int
    var timeLimitInMs: Int
    var remainingTimeInMillis: Int
    var functionVersion: String
    var invokedFunctionArn: String?
    var traceId: String?
    /// Platform identity the handler sees in its environment (SCF's app id).
    var appId: String?
  }

  func handle(_ event: InvocationEvent, context: Context) async throws -> Output {
    context.logger.info("echo", ["eventKind": event.kindName, "event": event.json.encodedString()])
    return Output(
      event: event.json, eventKind: event.kindName, requestId: context.requestID,
      functionName: context.functionName,
      namespace: context.namespace, region: context.region, memoryLimitInMb: context.memoryLimitMB,
      timeLimitInMs: Int(context.timeLimit.clampedMilliseconds),
      remainingTimeInMillis: context.remainingTimeInMillis,
      functionVersion: context.functionVersion, invokedFunctionArn: context.invokedFunctionARN,
      traceId: context.traceID, appId: context.environment["TENCENTCLOUD_APPID"])
  }
}

/// Always fails, with the event's `message` if given.
struct FailHandler: Handler {
  struct DeliberateFailure: Error, CustomStringConvertible {
    var description: String
  }

  func handle(_ event: InvocationEvent, context: Context) async throws -> JSONValue {
    throw DeliberateFailure(
      description: event.json["message"]?.stringValue ?? "deliberate failure from the 'fail' handler")
  }
}

/// Sleeps `seconds` from the event (default 1), honouring cancellation.
struct SleepHandler: Handler {
  func handle(_ event: InvocationEvent, context: Context) async throws -> JSONValue {
    // `seconds` from a raw event, or a timer's argument (`Message: "2.5"`); 1 s by default.
    let seconds =
      event.json["seconds"]?.doubleValue ?? event.json["Message"]?.stringValue.flatMap(Double.init) ?? 1
    try await context.clock.sleep(seconds: seconds)
    return .object(["slept": .double(seconds)])
  }
}
