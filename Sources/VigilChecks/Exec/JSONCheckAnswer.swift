import VigilCore

/// Reads the answer of an `exec` command under `protocol: json`: one JSON object on standard output,
///
/// ```json
/// {"up": true, "summary": "api 200 in 41 ms", "severity": "critical", "figures": {"latencyMs": 41}}
/// ```
///
/// or, for a command that checks several things, `{"targets": [{"name": "api", "up": false, ...}, ...]}` (each
/// its own alert, named `<target>/<name>`). A command that exits non-zero has failed (the last line of its
/// standard error says why, a Python traceback's exception line); an answer that is not such an object is
/// named with the byte where it went wrong.
enum JSONCheckAnswer {
  /// At most this many targets are read from one answer.
  static let maxTargets = 1000

  static func results(_ target: ExecConfig.Target, _ run: ChildRun) -> (
    ExecTargetResult, [ExecTargetResult]
  ) {
    let duration = Int(run.seconds * 1000)
    let stderr = ExecHandler.lastLine(run.stderr)
    func failed(_ reason: String) -> ExecTargetResult {
      ExecTargetResult(
        name: target.name, protocol: .json, state: .critical, exitStatus: exitStatus(run),
        summary:
          "\(target.name) failed: \(reason)", longText: [], figures: [], durationMs: duration, stderr: stderr,
        outputCut: run.stdoutCut || run.stderrCut)
    }
    if let abnormal = run.termination.abnormalEnd { return (failed(abnormal), []) }
    if case .exited(let status) = run.termination, status != 0 {
      return (failed("exit status \(status)" + (stderr.map { ": \($0)" } ?? "")), [])
    }
    if run.stdoutCut { return (failed("the answer is longer than maxOutputBytes"), []) }
    let answer: JSONValue
    do {
      answer = try JSONValue.parse([UInt8](run.stdout))
    } catch {
      let shown = String(decoding: run.stdout.prefix(60), as: UTF8.self)
      return (failed("the answer is not JSON (\(error)): '\(shown)'"), [])
    }
    guard case .object = answer else { return (failed("the answer is not a JSON object"), []) }
    if let listed = answer["targets"] {
      guard case .array(let items) = listed, !items.isEmpty, items.count <= maxTargets else {
        return (failed("'targets' must be a list of 1-\(maxTargets) objects"), [])
      }
      var results: [ExecTargetResult] = []
      for (index, item) in items.enumerated() {
        guard let name = item["name"]?.stringValue, !name.isEmpty, name.count <= 128 else {
          return (failed("targets[\(index)] has no 'name'"), [])
        }
        switch read(item, name: "\(target.name)/\(name)", duration: duration) {
        case .success(let result): results.append(result)
        case .failure(let problem): return (failed("targets[\(index)]: \(problem.text)"), [])
        }
      }
      let down = results.filter { $0.state != .ok }.count
      var whole = results[0]
      whole.name = target.name
      whole.state = down == 0 ? .ok : .critical
      whole.summary = "\(target.name): \(results.count - down) of \(results.count) up"
      whole.figures = []
      return (whole, results)
    }
    switch read(answer, name: target.name, duration: duration) {
    case .success(let result): return (result, [])
    case .failure(let problem): return (failed(problem.text), [])
    }
  }

  struct Problem: Error { var text: String }

  static func read(_ object: JSONValue, name: String, duration: Int) -> Result<ExecTargetResult, Problem> {
    guard case .bool(let up)? = object["up"] else {
      return .failure(Problem(text: "the answer has no boolean 'up'"))
    }
    var severity: AlertCandidate.Severity?
    if let text = object["severity"] {
      guard let parsed = text.stringValue.flatMap(AlertCandidate.Severity.init(rawValue:)) else {
        return .failure(Problem(text: "'severity' must be info, warning or critical"))
      }
      severity = parsed
    }
    var figures: [NagiosOutput.Perfdatum] = []
    if let given = object["figures"] {
      guard case .object(let members) = given else {
        return .failure(Problem(text: "'figures' must be an object of numbers"))
      }
      for (label, value) in members.prefix(NagiosOutput.maxItems) {
        guard let number = value.doubleValue else {
          return .failure(Problem(text: "figure '\(label.excerpt())' is not a number"))
        }
        figures.append(
          NagiosOutput.Perfdatum(
            label: label, value: number, unit: "", warn: nil, crit: nil, min: nil, max: nil))
      }
    }
    let summary = object["summary"]?.stringValue.map { String($0.prefix(500)) } ?? (up ? "up" : "down")
    return .success(
      ExecTargetResult(
        name: name, protocol: .json, state: up ? .ok : (severity == .warning ? .warning : .critical),
        exitStatus: 0, summary: "\(name): \(summary)", longText: [], figures: figures, durationMs: duration,
        stderr: nil, outputCut: false, severity: severity))
  }

  static func exitStatus(_ run: ChildRun) -> Int32? {
    if case .exited(let status) = run.termination { return status }
    return nil
  }
}
