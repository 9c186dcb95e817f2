import VigilCron

/// Everything an invocation knows besides its event, mirroring SCF's and Lambda's context objects.
public struct Context: Sendable {
  /// Unique per invocation; every log line carries it.
  public var requestID: String
  /// The function's name in `serverless.yml`.
  public var functionName: String
  /// The platform namespace (`default` locally).
  public var namespace: String
  /// The function's version (`$LATEST` locally).
  public var functionVersion: String
  /// The region the function runs in.
  public var region: String
  /// The memory the function was given, in MB.
  public var memoryLimitMB: Int
  /// The function's time limit in seconds.
  public var timeLimit: Double
  /// When the platform stops the invocation.
  public var deadline: Instant
  /// The function's environment variables (provider and function settings merged, then the process's).
  public var environment: [String: String]
  /// Logs JSON lines with the request id.
  public var logger: Logger
  /// Durable state shared by invocations of this deployment.
  public var state: any StateStore
  /// The time source.
  public var clock: any WallClock
  /// The function's own configuration (`functions/<name>/config.yml`), when it has one.
  public var configuration: ConfigValue?
  /// Lambda's function ARN, when running there.
  public var invokedFunctionARN: String?
  /// Trace id from the platform, when given.
  public var traceID: String?

  /// A context, as the runtime makes one per invocation (and as a check's tests make their own).
  public init(
    requestID: String, functionName: String, namespace: String = "default",
    functionVersion: String = "$LATEST",
    region: String, memoryLimitMB: Int, timeLimit: Double, deadline: Instant, environment: [String: String],
    logger: Logger, state: any StateStore, clock: any WallClock, configuration: ConfigValue? = nil,
    invokedFunctionARN: String? = nil, traceID: String? = nil
  ) {
    self.requestID = requestID
    self.functionName = functionName
    self.namespace = namespace
    self.functionVersion = functionVersion
    self.region = region
    self.memoryLimitMB = memoryLimitMB
    self.timeLimit = timeLimit
    self.deadline = deadline
    self.environment = environment
    self.logger = logger
    self.state = state
    self.clock = clock
    self.configuration = configuration
    self.invokedFunctionARN = invokedFunctionARN
    self.traceID = traceID
  }

  /// Seconds left before the deadline (never negative).
  public var remainingTime: Double { max(0, deadline.timeIntervalSince(clock.now)) }

  /// The time a probe started now may take: what remains, less a reserve for what comes after the check (the
  /// alert state, the outbox, posting the answer to the platform): a fifth of the time limit, at most 5 s.
  /// Probes bounded by it all end, answered or timed out, before the deadline, so a hanging target never
  /// costs the result of the others.
  public var remainingTimeForProbes: Double {
    max(0.001, remainingTime - min(5, timeLimit * 0.2))
  }

  /// SCF's name for the same thing, in milliseconds.
  public var remainingTimeInMillis: Int { Int(remainingTime.clampedMilliseconds) }
}
