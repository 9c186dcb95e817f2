import VigilCore
import VigilCron

/// `vigil validate --explain FUNCTION`: the policy a function's alerts follow, one line per setting, each with
/// where it comes from (the function's own `alerting:`, the project's `custom.vigil.alerting`, or the default).
package enum PolicyExplanation {
  /// The lines for `policy`, as built from `project`'s keys and then `function`'s over them.
  package static func lines(_ policy: AlertPolicy, project: ConfigValue?, function: ConfigValue?) -> [String]
  {
    let settings: [(key: String, value: String)] = [
      ("trigger", trigger(policy.trigger)),
      (
        "recoverAfter", "\(policy.recoverAfter) healthy sample\(policy.recoverAfter == 1 ? "" : "s") in a row"
      ),
      ("escalation", escalation(policy.escalation)),
      (
        "repeatEvery",
        policy.repeatEvery.map { "every \(ConfigValue.describe(seconds: $0)) while firing" } ?? "never"
      ),
      ("sendResolved", policy.sendResolved ? "yes" : "no"),
      ("channels", policy.channels.joined(separator: ", ")),
      ("fallback", policy.fallback.isEmpty ? "none" : policy.fallback.joined(separator: " → ")),
      ("timezone", policy.zone.identifier),
      (
        "ignoreHours",
        policy.ignoreHours.isEmpty
          ? "none" : policy.ignoreHours.sorted().map(String.init).joined(separator: ", ")
      ),
      ("quietHours", policy.quietHours.map { "\(hour($0.from))-\(hour($0.to)), then one digest" } ?? "none"),
      ("maintenance", maintenance(policy.maintenance)),
      ("flap", policy.flap.map { "\($0.changes) changes in \($0.window) samples pause notices" } ?? "off"),
    ]
    let width = settings.map(\.key.count).max() ?? 0
    let valueWidth = min(48, settings.map(\.value.count).max() ?? 0)
    return settings.map { setting in
      let key = setting.key.padding(toLength: width)
      let value = setting.value.padding(toLength: valueWidth)
      return "  \(key)  \(value)  \(source(of: setting.key, project: project, function: function))"
    }
  }

  /// The targets that set their own keys or labels, one line each.
  package static func targetLines(_ alerting: [String: ConfigValue], labels: [String: [String: String]])
    -> [String]
  {
    let names = Set(alerting.keys).union(labels.keys).sorted()
    guard !names.isEmpty else { return [] }
    return ["  targets with their own settings:"]
      + names.map { name in
        var parts: [String] = []
        if let own = alerting[name], case .mapping(let entries) = own.node.kind {
          parts.append(entries.map(\.key).joined(separator: ", ") + " at \(own.mark)")
        }
        if let labels = labels[name], !labels.isEmpty {
          parts.append(
            "labels "
              + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        return "    \(name): " + parts.joined(separator: "; ")
      }
  }

  /// The routes that can decide this function's channels (`routed`: the project has routes), in order.
  package static func routeLines(
    _ routes: AlertRoutes, function: String, labels: [String: String], routed: Bool
  ) -> [String] {
    guard routed else { return [] }
    let concerned = routes.routes.enumerated().filter {
      $0.element.concerns(function: function, labels: labels)
    }
    guard !concerned.isEmpty else {
      return [
        routes.routes.isEmpty
          ? "  routes: not used (the function names its own channels)"
          : "  routes: none can match; its alerts go to its channels above"
      ]
    }
    return [
      "  routes (the first match decides its alerts' channels; an unmatched alert goes to channels above):"
    ]
      + concerned.map { index, route in
        var conditions: [String] = []
        if let target = route.target { conditions.append("target '\(target)'") }
        if let statuses = route.statuses {
          conditions.append("status " + statuses.sorted().joined(separator: "|"))
        }
        if let severities = route.severities {
          conditions.append("severity " + severities.map(\.rawValue).sorted().joined(separator: "|"))
        }
        let when = conditions.isEmpty ? "every alert" : conditions.joined(separator: ", ")
        return "    #\(index + 1) \(when) → \(route.channels.joined(separator: ", "))"
          + (route.continues ? ", and on" : "") + "  (\(route.mark))"
      }
  }

  /// Where `key` is set: the function's place, the project's place, or "default". The project's timezone
  /// may come from `custom.vigil.timezone` when the alerting keys do not name one.
  static func source(of key: String, project: ConfigValue?, function: ConfigValue?) -> String {
    if let mark = keyMark(key, in: function) { return "function \(mark)" }
    switch key {
    case "channels":
      if let mark = keyMark("fallback", in: function) { return "function \(mark) (the fallback's head)" }
    case "fallback":
      if let mark = keyMark("channels", in: function), keyMark("fallback", in: project) != nil {
        return "function \(mark) (its channels replace the project's fallback)"
      }
    default: break
    }
    if let mark = keyMark(key, in: project) { return "project \(mark)" }
    if key == "channels", let mark = keyMark("fallback", in: project) {
      return "project \(mark) (the fallback's head)"
    }
    return key == "timezone" ? "project custom.vigil.timezone (or UTC)" : "default"
  }

  /// Where `key` is written in the mapping `value`, if it is.
  static func keyMark(_ key: String, in value: ConfigValue?) -> SourceMark? {
    guard let value, case .mapping(let entries) = value.node.kind else { return nil }
    return entries.first { $0.key == key }?.keyMark
  }

  static func trigger(_ trigger: AlertTrigger) -> String {
    switch trigger {
    case .consecutive(let count): return count == 1 ? "the first failure" : "\(count) failures in a row"
    case .nOfM(let n, let m): return "\(n) failures in the last \(m) samples"
    case .movingAverage(let samples, let above):
      return "the average of the last \(samples) samples above \(String(above, decimals: 2))"
    }
  }

  static func escalation(_ steps: [AlertPolicy.EscalationStep]) -> String {
    guard !steps.isEmpty else { return "once, when the trigger is met" }
    return "at "
      + steps.map { step in
        let offset = ConfigValue.describe(seconds: step.offset)
        guard let channels = step.channels else { return offset }
        return "\(offset) (\(channels.joined(separator: ", ")))"
      }.joined(separator: ", ")
  }

  static func maintenance(_ windows: [AlertPolicy.MaintenanceWindow]) -> String {
    guard !windows.isEmpty else { return "none" }
    return windows.map { "'\($0.cron.source)' for \(ConfigValue.describe(seconds: $0.duration))" }
      .joined(separator: "; ")
  }

  static func hour(_ hour: Int) -> String { hour < 10 ? "0\(hour):00" : "\(hour):00" }
}

extension String {
  /// The text padded with spaces to `length` characters (never cut).
  fileprivate func padding(toLength length: Int) -> String {
    count >= length ? self : self + String(repeating: " ", count: length - count)
  }
}
