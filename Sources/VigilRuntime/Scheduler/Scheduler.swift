import Dispatch
import Synchronization
import VigilCore
import VigilCron

#if canImport(Glibc)
  import Glibc
#endif

/// `vigil schedule`: runs every enabled timer trigger of every function in one process.
///
/// Each firing invokes the handler with an SCF timer event. A trigger whose previous run is still going is
/// skipped and logged (or run alongside, with `overlap: allow`). Several replicas on one shared store run each
/// firing once (`FiringClaims`). SIGTERM or SIGINT stops new firings and lets in-flight runs finish within the
/// grace period.
package final class Scheduler: Sendable {
  /// What to do when a trigger fires while its previous run is still going.
  package enum OverlapPolicy: String, Sendable, CaseIterable {
    case skip, allow
  }

  /// Settings.
  package struct Options: Sendable {
    package var overlap: OverlapPolicy = .skip
    /// Seconds in-flight runs get to finish after a stop.
    package var grace: Double = 30
    /// Stop by itself after this many seconds (benchmarks, tests); nil runs until signalled.
    package var runFor: Double?
    /// Only these functions (all when empty).
    package var only: Set<String> = []
    package init() {}
  }

  private let invoker: LocalInvoker
  private let options: Options
  private let logger: Logger
  private let waiter = DeadlineWaiter()
  private let running = Mutex<[Int: Int]>([:])
  private let claims: FiringClaims

  package init(invoker: LocalInvoker, options: Options) {
    self.invoker = invoker
    self.options = options
    self.logger = Logger(sink: invoker.sink, metadata: ["component": "scheduler"])
    self.claims = FiringClaims(
      state: invoker.state, logger: logger,
      region: invoker.region ?? invoker.project.environment["VIGIL_REGION"])
  }

  /// The triggers to run, and the problems that keep others out (logged, not fatal).
  package static func entries(for project: Project, only: Set<String>) -> (
    entries: [SchedulePlanner.Entry], problems: [String]
  ) {
    var entries: [SchedulePlanner.Entry] = []
    var problems: [String] = project.config.invalidFunctions.filter { only.isEmpty || only.contains($0.name) }
      .map { "\($0.error)" }
    for function in project.config.functions where only.isEmpty || only.contains(function.name) {
      guard case .available? = project.registry.entry(function.handler) else {
        if !function.timers.filter(\.enabled).isEmpty {
          problems.append(
            "\(function.handlerMark): function '\(function.name)' is not scheduled: its handler '\(function.handler)' is not available in this build"
          )
        }
        continue
      }
      for trigger in function.timers where trigger.enabled {
        do {
          entries.append(
            SchedulePlanner.Entry(
              function: function.name, trigger: trigger, cron: try project.cron(for: trigger),
              zone: try project.zone(for: trigger)))
        } catch {
          problems.append("\(error)")
        }
      }
    }
    return (entries, problems)
  }

  /// Stops taking new firings (what SIGTERM does).
  package func stop() { waiter.stop() }

  /// Runs until stopped; returns the process exit code (0 when every in-flight run finished in time).
  package func run() async -> Int32 {
    let (entries, problems) = Self.entries(for: invoker.project, only: options.only)
    for problem in problems { logger.error(problem) }
    guard !entries.isEmpty else {
      logger.error("nothing to schedule: no enabled timer trigger with an available handler")
      return 2
    }
    let signals = installSignalHandlers()
    defer { signals.cancel() }
    let started = DeadlineWaiter.now()
    let planner = SchedulePlanner(entries: entries, now: started)
    for entry in planner.entries {
      logger.info(
        "scheduled",
        [
          "function": entry.function, "trigger": entry.trigger.name, "cron": entry.cron.source,
          "timezone": entry.zone.identifier,
          "next": entry.next.map {
            ISO8601.format(Instant(timeIntervalSince1970: Double($0)), in: entry.zone)
          }
            ?? "never",
        ])
    }
    let stopAt = options.runFor.map { started + $0 }
    let initial = planner
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      // The timing loop owns a Dispatch thread: it blocks in an absolute-deadline wait.
      DispatchQueue(label: "vigil.scheduler").async { [self] in
        var planner = initial
        loop(&planner, stopAt: stopAt)
        continuation.resume()
      }
    }
    return await drain()
  }

  private func loop(_ planner: inout SchedulePlanner, stopAt: Double?) {
    while !waiter.isStopped {
      let now = DeadlineWaiter.now()
      if let stopAt, now >= stopAt { break }
      let (firings, clockEvent) = planner.due(now: now)
      if case .jumpedBackward(let seconds)? = clockEvent {
        logger.warning(
          "the clock moved backwards; next fire times recomputed", ["seconds": String(seconds, decimals: 1)])
      }
      for firing in firings { fire(firing, entry: planner.entries[firing.entry], now: now) }
      // Wake at the next fire time, but at least once a second to notice clock changes.
      var wake = now + 1
      if let next = planner.nextWake { wake = min(wake, Double(next)) }
      if let stopAt { wake = min(wake, stopAt) }
      if !waiter.wait(until: wake) { break }
    }
  }

  private func fire(_ firing: SchedulePlanner.Firing, entry: SchedulePlanner.Entry, now: Double) {
    let scheduled = Instant(timeIntervalSince1970: Double(firing.scheduledAt))
    var fields = [
      "function": entry.function, "trigger": entry.trigger.name,
      "scheduled": ISO8601.format(scheduled, in: entry.zone),
    ]
    if firing.missed > 0 {
      fields["missed"] = String(firing.missed)
      logger.warning("missed firings (the machine slept or the clock jumped); running once now", fields)
    }
    let busy = running.withLock { $0[firing.entry, default: 0] > 0 }
    if busy && options.overlap == .skip {
      logger.warning("skipped: the previous run of this trigger is still going", fields)
      return
    }
    running.withLock { $0[firing.entry, default: 0] += 1 }
    let event = InvocationEvent.timer(
      TimerEvent(
        triggerName: entry.trigger.name,
        time: ISO8601.format(scheduled, offset: 0).replacingEvery("+00:00", with: "Z"),
        message: entry.trigger.argument))
    let invoker = self.invoker
    let claims = self.claims
    Task {
      // Replicas on one store: the one whose create-only claim wins runs it.
      if await claims.claim(
        function: entry.function, trigger: entry.trigger.name, at: firing.scheduledAt, now: Int64(now))
      {
        _ = await invoker.invoke(entry.function, event: event, scheduledAt: scheduled)
      }
      running.withLock { $0[firing.entry, default: 1] -= 1 }
    }
  }

  /// Waits for in-flight runs up to the grace period.
  private func drain() async -> Int32 {
    let inFlight = running.withLock { $0.values.reduce(0, +) }
    if inFlight > 0 {
      logger.info(
        "stopping: waiting for in-flight runs",
        ["inFlight": String(inFlight), "graceSeconds": String(options.grace, decimals: 1)])
    }
    let deadline = DeadlineWaiter.now() + options.grace
    while running.withLock({ $0.values.reduce(0, +) }) > 0 {
      if DeadlineWaiter.now() >= deadline {
        logger.error(
          "stopping: runs still going after the grace period",
          ["inFlight": String(running.withLock { $0.values.reduce(0, +) })])
        return 1
      }
      try? await Task.sleep(nanoseconds: 20_000_000)
    }
    logger.info("stopped")
    return 0
  }

  private func installSignalHandlers() -> StopSignals.Subscription {
    StopSignals.install { [self] name in
      logger.info("signal received: stopping new firings", ["signal": name])
      stop()
    }
  }
}
