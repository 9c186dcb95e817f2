import Dispatch
import Synchronization
import VigilAlerting
import VigilCore
import VigilCron
import VigilNet

/// Runs one handler in this process, the way `serverless invoke local` does: builds the context, enforces the
/// function's timeout, routes the alert candidates, and returns the result or the failure.
package struct LocalInvoker: Sendable {
  package let project: Project
  package let state: any StateStore
  package let clock: any WallClock
  package let sink: any LogSink
  /// Builds the alerting engine for an invocation (its logger goes to channels that log) with the function's
  /// own alerting keys over the project's policy.
  package let alerting: @Sendable (Logger, FunctionSpec, AlertingOverrides) throws -> AlertingEngine
  /// The region this process runs in when the operator says so (`--region`); otherwise `VIGIL_REGION`, then
  /// the platform's (`AWS_REGION`, SCF's), then `provider.region`.
  package var region: String?
  /// Sends the push to `custom.vigil.metrics.push`, when set.
  package var metricsTransport: any HTTPTransport = CurlHTTPClient()

  package init(
    project: Project, state: any StateStore, clock: any WallClock = SystemClock(), sink: any LogSink,
    alerting: (@Sendable (Logger, FunctionSpec, AlertingOverrides) throws -> AlertingEngine)? = nil
  ) {
    self.project = project
    self.state = state
    self.clock = clock
    self.sink = sink
    self.alerting =
      alerting ?? { logger, function, overrides in
        try project.alertingEngine(
          logger: logger, state: state, clock: clock, function: function, overrides: overrides)
      }
  }

  /// The outcome of one invocation.
  package struct Outcome: Sendable {
    package var requestID: String
    package var result: Result<HandlerOutput, InvocationFailure>
    package var durationMs: Double
    /// The notifications this invocation wrote to the outbox, per channel.
    package var notifications: [String: AlertNotification] = [:]
    /// The check's result when the handler succeeded but its alerting failed (`AlertingError`).
    package var output: HandlerOutput?
    package var notification: AlertNotification? { notifications.values.first }
  }

  /// What a FaaS platform says about one invocation, over the function's own settings.
  package struct Platform: Sendable {
    /// The platform's deadline (Lambda's `Deadline-Ms`, SCF's now + `time_limit_in_ms`).
    package var deadline: Instant?

    /// A count of milliseconds from a platform header: a finite number, 0 or more; anything else is ignored
    /// (the function's own timeout then applies), never trusted into a timer.
    package static func milliseconds(_ header: String?) -> Double? {
      guard let header, let value = Double(header), value.isFinite, value >= 0 else { return nil }
      return value
    }
    package var invokedFunctionARN: String?
    package var traceID: String?
    package var memoryLimitMB: Int?
    package var functionVersion: String?
    package var region: String?
    package var namespace: String?
    /// Extra environment for the handler (`_X_AMZN_TRACE_ID`, `TENCENTCLOUD_APPID`…).
    package var environment: [String: String]

    package init(
      deadline: Instant? = nil, invokedFunctionARN: String? = nil, traceID: String? = nil,
      memoryLimitMB: Int? = nil,
      functionVersion: String? = nil, region: String? = nil, namespace: String? = nil,
      environment: [String: String] = [:]
    ) {
      self.deadline = deadline
      self.invokedFunctionARN = invokedFunctionARN
      self.traceID = traceID
      self.memoryLimitMB = memoryLimitMB
      self.functionVersion = functionVersion
      self.region = region
      self.namespace = namespace
      self.environment = environment
    }
  }

  /// Invokes `functionName` with `event`; `requestID` defaults to a new UUID.
  /// `scheduledAt` (from the scheduler) adds the start's lag behind the scheduled instant to the log;
  /// `platform` (from a FaaS runtime loop) supplies the platform's deadline and identity.
  package func invoke(
    _ functionName: String, event: InvocationEvent, requestID: String = RandomUUID.make(),
    scheduledAt: Instant? = nil, platform: Platform? = nil
  ) async -> Outcome {
    let started = clock.now
    let logger = Logger(sink: sink, metadata: ["requestId": requestID, "function": functionName])
    func failure(_ type: String, _ message: String) -> Outcome {
      logger.error(message, ["errorType": type])
      return Outcome(
        requestID: requestID,
        result: .failure(InvocationFailure(errorType: type, errorMessage: message, requestId: requestID)),
        durationMs: clock.now.timeIntervalSince(started) * 1000)
    }
    guard let function = project.config.function(named: functionName) else {
      if let invalid = project.config.invalidFunctions.first(where: { $0.name == functionName }) {
        return failure("ConfigurationError", invalid.error.description)
      }
      let known = project.config.allFunctionNames.joined(separator: ", ")
      return failure(
        "FunctionNotFound", "no function '\(functionName)' in \(project.config.file) (functions: \(known))")
    }
    let handler: AnyHandler
    switch project.registry.entry(function.handler) {
    case .available(let found)?: handler = found
    case .notAvailable(_, let reason)?:
      return failure(
        "HandlerNotAvailable", "\(function.handlerMark): handler '\(function.handler)' is \(reason)")
    case nil:
      return failure(
        "HandlerNotFound",
        "\(function.handlerMark): unknown handler '\(function.handler)'; known handlers: \(project.registry.names.joined(separator: ", "))"
      )
    }
    let configuration: ConfigValue?
    let quorum: QuorumRule?
    let alertingOverrides: AlertingOverrides
    do {
      (configuration, quorum, alertingOverrides) = try project.runtimeSettings(of: function)
    } catch {
      return failure("ConfigurationError", "\(error)")
    }
    if let problem = quorum?.deploymentProblem(
      project.config.vigil, configFile: project.functionConfigPath(function.name))
    {
      return failure("ConfigurationError", problem)
    }
    let region = self.region ?? project.environment["VIGIL_REGION"] ?? platform?.region ?? function.region
    if let quorum, !quorum.regions.contains(region) {
      return failure(
        "ConfigurationError",
        "\(project.functionConfigPath(function.name)): this run's region '\(region.excerpt())' is not one of"
          + " quorum.regions (\(quorum.regions.joined(separator: ", "))): give it with --region, VIGIL_REGION or"
          + " the platform's region")
    }
    var environment = project.environment.merging(function.environment) { _, function in function }
    // The project's zone (`custom.vigil.timezone`), for handlers that read local hours.
    environment["VIGIL_TIMEZONE"] = environment["VIGIL_TIMEZONE"] ?? project.config.vigil.timezone
    environment.merge(platform?.environment ?? [:]) { _, platform in platform }
    // The platform's deadline wins when it is sooner than the function's own timeout, less a margin to post
    // the answer before the platform ends the instance: a tenth of the time left, at least half a second (or
    // half of what is left, if less), at most 1 s. A deadline that is not a finite time (a header read as NaN
    // or infinity) is no deadline.
    let platformLeft = platform?.deadline.map { $0.timeIntervalSince(started) }.flatMap {
      $0.isFinite ? $0 : nil
    }
    let platformBudget = platformLeft.map { left -> Double in
      let left = max(0, left)
      return left - min(1, max(min(0.5, left / 2), left * 0.1))
    }
    let timeout = min(function.timeout, platformBudget ?? .infinity)
    let limitedBy =
      (platformBudget ?? .infinity) < function.timeout ? "the platform's deadline" : "function timeout"
    let context = Context(
      requestID: requestID, functionName: function.name, namespace: platform?.namespace ?? function.namespace,
      functionVersion: platform?.functionVersion ?? "$LATEST", region: region,
      memoryLimitMB: platform?.memoryLimitMB ?? function.memorySize, timeLimit: timeout,
      deadline: started.addingTimeInterval(timeout),
      environment: environment, logger: logger, state: state, clock: clock, configuration: configuration,
      invokedFunctionARN: platform?.invokedFunctionARN, traceID: platform?.traceID)
    var startFields = ["eventKind": event.kindName, "timeoutSeconds": String(timeout)]
    if let scheduledAt {
      startFields["scheduled"] = ISO8601.format(scheduledAt, offset: 0)
      startFields["lagMs"] = String(
        Double(Int((clock.now.timeIntervalSince(scheduledAt) * 1_000_000).rounded())) / 1000)
    }
    // An API request is one line, when it ends (as a web server's access log): a busy `vigil serve` answers
    // thousands a second. Scheduled and invoked runs also say when they start.
    if case .gateway = event {} else { logger.info("invocation started", startFields) }
    let outcome = await Self.run(
      handler, event: event, context: context, timeout: timeout, limitedBy: limitedBy)
    let duration = clock.now.timeIntervalSince(started) * 1000
    switch outcome {
    case .success(var output):
      // A result that is not a check's (an API answer such as a heartbeat's) has nothing to alert on: it skips
      // the alerting engine and its lock, which keeps a busy `vigil serve` endpoint cheap.
      guard output.value is any AlertProducing else {
        logger.info("invocation finished", ["durationMs": String(Int(duration))])
        return Outcome(requestID: requestID, result: .success(output), durationMs: duration)
      }
      // History keeps what this region saw, before a quorum combines the regions.
      let observed = output.alertCandidates
      if let quorum {
        do {
          output = try await Self.judgeByQuorum(
            output, rule: quorum, function: function.name, region: region, requestID: requestID, state: state,
            now: clock.now, logger: logger)
        } catch {
          // Without the regions' reports nothing can be judged: loud, and the check's own result still shown.
          let report = AlertingEngine.Outcome(problems: ["REGION REPORT NOT RECORDED OR READ: \(error)"])
          return alertingFailed(
            report, output: output, started: started, logger: logger, requestID: requestID)
        }
      }
      var report: AlertingEngine.Outcome
      var maintenanceUntil: Instant?
      do {
        let engine = try alerting(logger, function, alertingOverrides)
        maintenanceUntil = engine.policy.maintenanceEnd(at: clock.now)
        report = await engine.process(
          output.alertCandidates, function: function.name, requestID: requestID, logger: logger,
          until: context.deadline)
      } catch {
        report = AlertingEngine.Outcome(problems: ["ALERTING NOT CONFIGURED: \(error)"])
      }
      // After alerting, so a store that fails here has already had its say on the alerts.
      // `custom.vigil.history: false` keeps nothing.
      if project.config.vigil.history {
        do {
          try await HistoryRecorder(state: state).record(
            observed, function: function.name, region: region, now: clock.now,
            maintenanceUntil: maintenanceUntil,
            logger: logger)
          try await IncidentRecorder(state: state).record(report, function: function.name, now: clock.now)
        } catch {
          // When the alerts already failed (the same store, usually), the invocation fails on them and the
          // history's own line is logged beside; otherwise the history's failure is the invocation's.
          if report.problems.isEmpty {
            report.problems.append("HISTORY NOT RECORDED: \(error)")
          } else {
            logger.error("HISTORY NOT RECORDED: \(error)", ["errorType": "HistoryError"])
          }
        }
      }
      // Figures for a Pushgateway: a failed push is logged as an error, never allowed to hold back the alerts
      // or fail a run whose alerts and history are kept.
      if let push = project.config.vigil.metricsPush {
        do {
          try await MetricsPusher(base: push, job: project.config.vigil.metricsJob, client: metricsTransport)
            .push(observed, function: function.name, region: region, now: clock.now)
        } catch {
          logger.error("METRICS NOT PUSHED: \(error)", ["errorType": "MetricsPushError"])
        }
      }
      guard report.problems.isEmpty else {
        return alertingFailed(report, output: output, started: started, logger: logger, requestID: requestID)
      }
      logger.info("invocation finished", ["durationMs": String(Int(duration))])
      return Outcome(
        requestID: requestID, result: .success(output), durationMs: duration,
        notifications: report.notifications)
    case .failure(let error):
      logger.error(
        "invocation failed",
        [
          "errorType": error.errorType, "errorMessage": error.errorMessage,
          "durationMs": String(Int(duration)),
        ])
      return Outcome(requestID: requestID, result: .failure(error), durationMs: duration)
    }
  }

  /// An invocation whose check ran but whose alerts may not go out: never a success. What may not reach its
  /// channels is printed on the console, each problem is logged in one line, and the outcome is an
  /// `AlertingError` failure that still carries the check's result.
  func alertingFailed(
    _ report: AlertingEngine.Outcome, output: HandlerOutput, started: Instant, logger: Logger,
    requestID: String
  ) -> Outcome {
    var printed = Set<AlertNotification>()
    for notification in report.unsent where printed.insert(notification).inserted {
      logger.error(
        "ALERT printed here because it may not reach its channels: \(notification.title)",
        ["channel": "console", "alert": notification.text, "notices": String(notification.notices.count)])
    }
    for problem in report.problems {
      logger.error(
        problem, ["errorType": problem.hasPrefix("HISTORY NOT RECORDED") ? "HistoryError" : "AlertingError"])
    }
    let message =
      report.problems.count == 1
      ? report.problems[0] : "\(report.problems[0]) (and \(report.problems.count - 1) more problems)"
    let duration = clock.now.timeIntervalSince(started) * 1000
    // Alerts that went out but a history that was not kept: its own kind, so nobody hunts a lost alert.
    let errorType =
      report.problems.allSatisfy { $0.hasPrefix("HISTORY NOT RECORDED") } ? "HistoryError" : "AlertingError"
    logger.error("invocation failed", ["errorType": errorType, "durationMs": String(Int(duration))])
    return Outcome(
      requestID: requestID,
      result: .failure(
        InvocationFailure(errorType: errorType, errorMessage: message, requestId: requestID)),
      durationMs: duration, notifications: report.notifications, output: output)
  }

  /// Runs the handler against its deadline. On timeout the handler task is cancelled and not awaited, so a
  /// handler that ignores cancellation cannot hold the invocation past its limit.
  static func run(
    _ handler: AnyHandler, event: InvocationEvent, context: Context, timeout: Double,
    limitedBy: String = "function timeout"
  ) async
    -> Result<HandlerOutput, InvocationFailure>
  {
    // The deadline fires on the deadline thread, not the cooperative pool: a handler that blocks its thread (or
    // every pool thread, on a one-vCPU function) cannot delay the timeout. It is dropped as soon as the
    // invocation ends, so a busy server does not keep every finished invocation alive until its deadline.
    await FirstResult.within(
      timeout, on: HandlerExecutor(label: "vigil.handler.\(context.functionName)"),
      operation: {
        do {
          return .success(try await handler.handle(event, context: context))
        } catch {
          return .failure(InvocationFailure(error, requestId: context.requestID))
        }
      },
      timedOut: {
        .failure(
          InvocationFailure(
            errorType: "TimeoutError",
            errorMessage: "Task timed out after \(String(timeout, decimals: 2)) seconds (\(limitedBy))",
            requestId: context.requestID))
      })
  }
}
