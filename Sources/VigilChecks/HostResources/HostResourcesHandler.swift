import VigilCore
import VigilCron
import VigilNet

#if canImport(Glibc)
  import Glibc
#endif
/// `host-resources`: CPU (per core and total, from /proc/stat deltas), memory (MemAvailable), swap, load,
/// disk use per mount and named processes of the host or container it runs on, cgroup v2 limits respected.
/// Each metric with a threshold is an alert candidate carrying its figure, judged by the alert policy's
/// evaluators (moving average of the last k samples, N of M, consecutive). With `reportTo`, the sample is
/// also pushed as a heartbeat to a remote Vigil (`vigil serve`'s `heartbeat-ingest`).
package struct HostResourcesHandler: Handler {
  let sampler: HostSampler
  let transport: any HTTPTransport

  package init(sampler: HostSampler = HostSampler(), transport: any HTTPTransport = CurlHTTPClient()) {
    self.sampler = sampler
    self.transport = transport
  }

  /// How old the previous run's counters may be and still serve as the CPU baseline.
  static let baselineMaxAge: Double = 600

  package func handle(_ event: InvocationEvent, context: Context) async throws -> HostResourcesResult {
    let config = try HostResourcesConfig.read(context.configuration)
    let host = config.host ?? Self.hostName()
    let key = "host-resources/\(StateKeySegment.make(context.functionName))/counters.json"
    let now = context.clock.now
    var later = try sampler.counters(at: now)
    var earlier = try? await context.state.readJSON(HostCounters.self, key)
    let age = earlier.map { now.timeIntervalSince($0.at) } ?? .infinity
    if earlier == nil || age <= 0 || age > Self.baselineMaxAge || (earlier?.cpu.total ?? 0) > later.cpu.total
    {
      // No fresh baseline (first run, a reboot, a long pause): measure over `sampleInterval` now.
      earlier = later
      if config.sampleInterval > 0 {
        try await Task.sleep(nanoseconds: config.sampleInterval.clampedNanoseconds)
      }
      later = try sampler.counters(at: now.addingTimeInterval(config.sampleInterval))
    }
    try await context.state.writeJSON(key, later)
    let sample = try sampler.sample(
      from: earlier ?? later, to: later, processes: config.processes, mounts: config.mounts)
    let candidates = Self.candidates(sample, config: config, host: host, context: context, now: now)
    var reported: String?
    if let target = Self.reportTarget(config, host: host, environment: context.environment) {
      reported = await report(sample, host: host, to: target, context: context)
    }
    return HostResourcesResult(
      function: context.functionName, checkedAt: ISO8601.format(now, fractional: true), host: host,
      sample: sample, breaches: candidates.filter { !$0.healthy }.map(\.summary), reported: reported,
      alertCandidates: candidates)
  }

  static func candidates(
    _ sample: HostSample, config: HostResourcesConfig, host: String, context: Context, now: Instant
  ) -> [AlertCandidate] {
    var figures: [AlertCandidate.Fact] = [
      .init("host", host),
      .init("cpu", sample.cpuPercent.map { "\(String($0, decimals: 1))% of \(sample.cores) cores" } ?? "n/a"),
      .init(
        "memory",
        "\(String(sample.memoryUsedPercent, decimals: 1))% used, \(String(sample.memoryAvailableMB, decimals: 0)) MB available"
      ),
      .init("load", "\(sample.load1) \(sample.load5) \(sample.load15)"),
    ]
    if let swap = sample.swapUsedPercent {
      figures.append(.init("swap", "\(String(swap, decimals: 1))% used"))
    }
    if let limits = sample.cgroup {
      var text: [String] = []
      if let memory = limits.memoryLimitMB { text.append("memory limit \(String(memory, decimals: 0)) MB") }
      if let cores = limits.cpuLimitCores { text.append("cpu limit \(cores) cores") }
      figures.append(.init("cgroup", text.joined(separator: ", ")))
    }
    figures += sample.disks.map {
      .init("disk \($0.mount)", "\(String($0.usedPercent, decimals: 1))% of \($0.sizeGB) GB")
    }

    func candidate(_ target: String, _ value: Double?, _ threshold: MetricThreshold, unit: String)
      -> AlertCandidate
    {
      let healthy = (value ?? 0) <= threshold.over
      let shown = value.map { String($0, decimals: unit == "" ? 2 : 1) + unit } ?? "n/a"
      var rule = "\(String(threshold.over, decimals: unit == "" ? 2 : 0))\(unit)"
      switch threshold.trigger {
      case .movingAverage(let count, _)?: rule += " (average of \(count) samples)"
      case .nOfM(let n, let m)?: rule += " (\(n) of \(m) samples)"
      case .consecutive(let n)? where n > 1: rule += " (\(n) samples in a row)"
      default: break
      }
      return AlertCandidate(
        function: context.functionName, check: "host-resources", target: "\(host) \(target)",
        healthy: healthy,
        severity: config.severity,
        summary: healthy ? "\(host) \(target) \(shown)" : "\(host) \(target) \(shown) > \(rule)",
        facts: [.init(target, "\(shown), limit \(rule)")] + figures, observedAt: now, value: value,
        hints: threshold.trigger.map { PolicyHints(trigger: $0) })
    }

    var result: [AlertCandidate] = []
    if let threshold = config.cpu { result.append(candidate("cpu", sample.cpuPercent, threshold, unit: "%")) }
    if let threshold = config.memory {
      result.append(candidate("memory", sample.memoryUsedPercent, threshold, unit: "%"))
    }
    if let threshold = config.swap, let swap = sample.swapUsedPercent {
      result.append(candidate("swap", swap, threshold, unit: "%"))
    }
    if let threshold = config.load {
      let load = config.loadPerCore ? sample.load1 / Double(sample.cores) : sample.load1
      result.append(candidate(config.loadPerCore ? "load per core" : "load", load, threshold, unit: ""))
    }
    if let threshold = config.disk {
      for disk in sample.disks {
        result.append(candidate("disk \(disk.mount)", disk.usedPercent, threshold, unit: "%"))
      }
    }
    for process in sample.processes {
      result.append(
        AlertCandidate(
          function: context.functionName, check: "host-resources", target: "\(host) process \(process.name)",
          healthy: process.count > 0, severity: config.severity,
          summary: process.count > 0
            ? "\(host): \(process.count) \(process.name) running"
            : "\(host): no \(process.name) process running",
          facts: [.init("process \(process.name)", "\(process.count) running")] + figures, observedAt: now,
          value: Double(process.count)))
    }
    return result
  }

  /// POSTs the sample as a heartbeat; returns "ok" or the reason it failed (never fails the check itself).
  func report(_ sample: HostSample, host: String, to target: (url: String, token: String?), context: Context)
    async
    -> String
  {
    var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
    if let token = target.token, !token.isEmpty { headers.append(("Authorization", "Bearer \(token)")) }
    let body: [UInt8]
    do { body = try JSONCoding.encode(sample) } catch { return "cannot encode the sample: \(error)" }
    do {
      let response = try await transport.send(
        HTTPRequest(
          url: target.url, method: "POST", headers: headers, body: body, timeout: 5, maxBodyBytes: 64 * 1024))
      if (200..<300).contains(response.status) { return "ok" }
      let reason =
        "\(Redactor.redactURL(target.url)) answered \(response.status): \(String(decoding: response.body.prefix(200), as: UTF8.self))"
      context.logger.warning("heartbeat report refused", ["host": host, "error": reason])
      return reason
    } catch {
      let reason = "\(Redactor.redactURL(target.url)): \(error)"
      context.logger.warning("heartbeat report failed", ["host": host, "error": reason])
      return reason
    }
  }

  /// `reportTo` from the config, else `vigil … --report-to URL` (VIGIL_REPORT_TO, token from
  /// HEARTBEAT_TOKEN). A URL ending in `/` gets the host name appended (`…/heartbeat/` → `…/heartbeat/web-01`).
  static func reportTarget(_ config: HostResourcesConfig, host: String, environment: [String: String]) -> (
    url: String, token: String?
  )? {
    guard
      let target = config.reportTo
        ?? environment["VIGIL_REPORT_TO"].map({ ($0, environment["HEARTBEAT_TOKEN"]) })
    else { return nil }
    return (target.0.hasSuffix("/") ? target.0 + host : target.0, target.1)
  }

  static func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    return String(cBuffer: buffer)
  }
}

/// What `host-resources` returns.
package struct HostResourcesResult: Sendable, Encodable, AlertProducing {
  package var function: String
  package var checkedAt: String
  package var host: String
  package var sample: HostSample
  /// One line per metric over its threshold in this sample (the policy decides when that alerts).
  package var breaches: [String]
  /// "ok", or why the heartbeat report failed; absent without `reportTo`.
  package var reported: String?
  package var alertCandidates: [AlertCandidate]

  enum CodingKeys: String, CodingKey { case function, checkedAt, host, sample, breaches, reported }
}
