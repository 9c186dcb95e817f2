import Synchronization
import VigilChecks
import VigilCore
import VigilNet

/// Every handler name `serverless.yml` may use: the ones built in, the operator's own (registered by
/// `Vigil.main(handlers:)`), and the ones planned (which say so instead of pretending to run). `vigil validate`
/// reads each function's configuration with its entry's reader, so validation and invocation agree.
package struct HandlerRegistry: Sendable {
  /// A registry entry.
  package enum Entry: Sendable {
    case available(AnyHandler)
    /// Planned but not built yet: the reason names what will bring it.
    case notAvailable(name: String, reason: String)
  }

  private var entries: [String: Entry]

  package init(entries: [String: Entry]) { self.entries = entries }

  /// The handlers this build ships.
  package static let standard = HandlerRegistry(
    handlers: [
      AnyHandler(
        name: "website-status", summary: "HTTP(S) status, timings and conditions per URL",
        WebsiteStatusHandler(),
        configuration: { _ = try WebsiteStatusConfig.read($0) }),
      AnyHandler(
        name: "exec",
        summary: "commands in any language: Nagios plugins (exit status + perfdata) or JSON in / JSON out",
        ExecHandler(),
        configuration: { _ = try ExecConfig.read($0, environment: [:]) }),
      AnyHandler(
        name: "echo", summary: "diagnostic: returns the event and context it received", EchoHandler()),
      AnyHandler(name: "fail", summary: "diagnostic: always throws (tests error reporting)", FailHandler()),
      AnyHandler(name: "sleep", summary: "diagnostic: sleeps event.seconds (tests timeouts)", SleepHandler()),
      AnyHandler(
        name: "region-latency", summary: "one URL measured from several regions, judged by rules",
        RegionLatencyHandler(),
        configuration: { _ = try RegionLatencyConfig.read($0, transport: CurlHTTPClient()) }),
      AnyHandler(
        name: "kafka-backlog",
        summary: "consumer-group lag over the Kafka protocol or the CKafka API, judged Burrow-style",
        KafkaBacklogHandler(),
        configuration: {
          _ = try KafkaBacklogConfig.read($0, transport: CurlHTTPClient(), clock: SystemClock())
        }),
      AnyHandler(
        name: "host-resources",
        summary: "CPU, memory, swap, load, disk and processes of this host, cgroup v2 limits respected",
        HostResourcesHandler(), configuration: { _ = try HostResourcesConfig.read($0) }),
      AnyHandler(
        name: "heartbeat-watchdog",
        summary: "alerts when a host that used to report goes silent, at escalation offsets",
        HeartbeatWatchdogHandler(),
        configuration: { _ = try HeartbeatWatchdogConfig.read($0, environment: [:]) }),
      AnyHandler(
        name: "heartbeat-ingest", summary: "records a host's report (POST /heartbeat/<host>, API gateway)",
        HeartbeatIngestHandler(), configuration: { _ = try HeartbeatIngestConfig.read($0) }),
      AnyHandler(
        name: "status-page",
        summary: "status page, JSON API and badges from the store's history (GET /{path+}, API gateway)",
        StatusPageHandler(), configuration: { _ = try StatusPageConfig.read($0) }),
      AnyHandler(
        name: "incident-ack",
        summary:
          "acknowledges an incident from the signed link in its notices (GET shows, POST acks; API gateway)",
        IncidentAckHandler(), configuration: { _ = try IncidentAckConfig.read($0) }),
    ])

  /// A registry of `handlers`, each under its name (names are unique: the built-in list is fixed).
  init(handlers: [AnyHandler]) {
    entries = Dictionary(handlers.map { ($0.name, Entry.available($0)) }) { first, _ in first }
  }

  /// This registry with `handlers` added; a name that is already taken, or given twice, is an error.
  package func adding(_ handlers: [AnyHandler]) throws(HandlerRegistrationError) -> HandlerRegistry {
    var registry = self
    for handler in handlers {
      guard HandlerRegistry.isValidName(handler.name) else {
        throw HandlerRegistrationError(
          message:
            "handler name '\(handler.name)' must be 1-64 lower-case letters, digits and '-' (like website-status)"
        )
      }
      guard registry.entries[handler.name] == nil else {
        let whose =
          entries[handler.name] == nil ? "another handler given to Vigil.main" : "a built-in handler"
        throw HandlerRegistrationError(
          message: "handler name '\(handler.name)' is already taken by \(whose); choose another name")
      }
      registry.entries[handler.name] = .available(handler)
    }
    return registry
  }

  static func isValidName(_ name: String) -> Bool {
    (1...64).contains(name.utf8.count)
      && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
  }

  /// Looks a handler up by the name in `serverless.yml`.
  package func entry(_ name: String) -> Entry? { entries[name] }

  /// All names, sorted.
  package var names: [String] { entries.keys.sorted() }

  /// This process's registry: the built-in handlers, plus those `Vigil.main(handlers:)` installed at start.
  package static var current: HandlerRegistry { processRegistry.withLock { $0 } }

  /// Installs the registry every later `Project.load` uses (once, at start).
  package static func install(_ registry: HandlerRegistry) { processRegistry.withLock { $0 = registry } }

  private static let processRegistry = Mutex(HandlerRegistry.standard)
}

/// A handler that cannot be registered: its name is malformed or taken.
package struct HandlerRegistrationError: Error, Sendable, CustomStringConvertible {
  package var message: String
  package var description: String { message }
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
