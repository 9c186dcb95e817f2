import VigilCore
import VigilCron

/// `exec`: checks written in any language. Each target is a command run in its own process group with a
/// timeout, a bounded output and only the environment it is given; its answer is read by one of two protocols
/// - `nagios` (the monitoring-plugins API: exit status, a line of text, performance data) or `json` (the event
/// on standard input, a JSON answer on standard output) - and becomes an alert candidate like any built-in
/// check's. The commands run one after another, each within what is left of the invocation.
package struct ExecHandler: Handler {
  package init() {}

  /// What the process environment passes on to a command (nothing else of Vigil's environment: its secrets
  /// stay with it); the target's `environment` and the invocation's `VIGIL_*` come on top.
  static let passedOn = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "PYTHONPATH"]

  package func handle(_ event: InvocationEvent, context: Context) async throws -> ExecResult {
    let config = try ExecConfig.read(context.configuration, environment: context.environment)
    let input = Array(event.json.encodedString().utf8)
    var targets: [ExecTargetResult] = []
    var candidates: [AlertCandidate] = []
    for target in config.targets {
      let budget = min(target.timeout, max(0.1, context.remainingTimeForProbes))
      var environment = context.environment.filter { Self.passedOn.contains($0.key) }
      environment.merge(target.environment) { _, configured in configured }
      environment["VIGIL_FUNCTION_NAME"] = context.functionName
      environment["VIGIL_REQUEST_ID"] = context.requestID
      environment["VIGIL_TARGET"] = target.name
      environment["VIGIL_TIMEOUT_MS"] = String(Int(budget * 1000))
      for value in target.environment.values where !value.isEmpty { Redactor.shared.register(value) }
      let run: ChildRun
      let childEnvironment = environment
      let maxOutputBytes = config.maxOutputBytes
      do {
        run = try await BlockingWork.run("vigil.exec") {
          Result { () throws(ChildLaunchError) -> ChildRun in
            try ChildProcess.run(
              target.arguments, environment: childEnvironment, directory: target.directory,
              input: target.outputProtocol == .json ? input : [], timeout: budget,
              maxOutputBytes: maxOutputBytes)
          }
        }.get()
      } catch {
        let result = ExecTargetResult(
          name: target.name, protocol: target.outputProtocol, state: .unknown, exitStatus: nil,
          summary: "\(target.name) UNKNOWN: \(error)", longText: [], figures: [], durationMs: 0,
          stderr: nil, outputCut: false)
        targets.append(result)
        candidates.append(candidate(result, context: context))
        continue
      }
      switch target.outputProtocol {
      case .nagios:
        let result = Self.nagiosResult(target, run)
        targets.append(result)
        candidates.append(candidate(result, context: context))
      case .json:
        let (result, reported) = JSONCheckAnswer.results(target, run)
        targets.append(result)
        if reported.isEmpty {
          candidates.append(candidate(result, context: context))
        } else {
          for item in reported { candidates.append(candidate(item, context: context)) }
        }
      }
    }
    return ExecResult(
      function: context.functionName, checkedAt: ISO8601.format(context.clock.now, fractional: true),
      targets: targets, failing: candidates.filter { !$0.healthy }.count, alertCandidates: candidates)
  }

  /// Reads a plugin's answer; a timeout, a signal or an exit status past 3 is UNKNOWN with the reason.
  static func nagiosResult(_ target: ExecConfig.Target, _ run: ChildRun) -> ExecTargetResult {
    let text = String(decoding: run.stdout, as: UTF8.self)
    let output = NagiosOutput(text: text)
    var state = NagiosOutput.State.unknown
    var exitStatus: Int32?
    var reason: String?
    switch run.termination {
    case .exited(let status):
      exitStatus = status
      state = NagiosOutput.State(exitStatus: status)
      if status > 3 { reason = "exit status \(status) is not a plugin state (0-3)" }
    case .signalled, .timedOut:
      reason = run.termination.abnormalEnd
    }
    var summary = output.summary.isEmpty ? "(no output)" : output.summary
    if let reason { summary = "\(reason); " + summary }
    if run.stdoutCut { summary += " (output cut at its bound)" }
    return ExecTargetResult(
      name: target.name, protocol: .nagios, state: state, exitStatus: exitStatus,
      summary: "\(target.name) \(state.rawValue): \(summary)", longText: Array(output.longText.prefix(20)),
      figures: output.perfdata, durationMs: Int(run.seconds * 1000), stderr: lastLine(run.stderr),
      outputCut: run.stdoutCut || run.stderrCut)
  }

  static func lastLine(_ bytes: [UInt8]) -> String? {
    let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
    return lines.last { !$0.allSatisfy(\.isWhitespace) }.map { String($0.prefix(500)) }
  }

  func candidate(_ result: ExecTargetResult, context: Context) -> AlertCandidate {
    var facts: [AlertCandidate.Fact] = [.init("state", result.state.rawValue)]
    if let status = result.exitStatus { facts.append(.init("exit status", String(status))) }
    for figure in result.figures.prefix(12) {
      var text = figure.value.map { "\($0.shortText)\(figure.unit)" } ?? "unknown"
      if let warn = figure.warn { text += " (warn \(warn)" + (figure.crit.map { ", crit \($0))" } ?? ")") }
      facts.append(.init(figure.label, text))
    }
    if let line = result.longText.first { facts.append(.init("detail", line)) }
    if result.state != .ok, let stderr = result.stderr { facts.append(.init("stderr", stderr)) }
    let severity: AlertCandidate.Severity = result.state == .warning ? .warning : .critical
    return AlertCandidate(
      function: context.functionName, check: "exec", target: result.name, healthy: result.state == .ok,
      severity: result.severity ?? severity, summary: result.summary, facts: facts,
      observedAt: context.clock.now, value: result.figures.first?.value)
  }
}

/// One command's answer.
package struct ExecTargetResult: Encodable, Sendable, Equatable {
  package var name: String
  package var `protocol`: ExecConfig.OutputProtocol
  package var state: NagiosOutput.State
  package var exitStatus: Int32?
  package var summary: String
  package var longText: [String]
  /// Performance data (nagios) or the answer's `figures` (json).
  package var figures: [NagiosOutput.Perfdatum]
  package var durationMs: Int
  /// The last line the command wrote to standard error.
  package var stderr: String?
  package var outputCut: Bool
  /// The severity a JSON answer asked for.
  package var severity: AlertCandidate.Severity? = nil
}

/// `exec`'s result: every target's answer, and their alert candidates.
package struct ExecResult: Encodable, Sendable, AlertProducing {
  package var function: String
  package var checkedAt: String
  package var targets: [ExecTargetResult]
  package var failing: Int
  package var alertCandidates: [AlertCandidate]

  enum CodingKeys: String, CodingKey { case function, checkedAt, targets, failing }
}
