import VigilAlerting
import VigilCore

/// What the runtime reads from the items of a check's `targets:` list: each named target's own `alerting:`
/// keys and `labels:`, taken out before the check reads its configuration.
///
/// ```yaml
/// targets:
///   - name: checkout
///     url: https://shop.example.com/checkout
///     labels: {team: payments}
///     alerting: {trigger: {consecutive: 1}, channels: [pay-sms]}
/// ```
package struct TargetAlerting: Sendable {
  /// Keys a target may set: those that decide one alert key's notices. Quiet hours, fallback chains and the
  /// zone shape a whole invocation's messages, so they stay the function's.
  package static let keys = [
    "trigger", "recoverAfter", "escalation", "repeatEvery", "sendResolved", "channels", "ignoreHours",
    "maintenance", "flap",
  ]

  /// Each target's own alerting keys, by target name.
  package var alerting: [String: ConfigValue] = [:]
  /// Each target's labels, by target name (over the function's, for routes).
  package var labels: [String: [String: String]] = [:]

  package init() {}

  /// `configuration` with the targets' `alerting:` and `labels:` taken out, and what they said.
  package static func split(_ configuration: ConfigValue?) throws(ConfigError) -> (
    ConfigValue?, TargetAlerting
  ) {
    var found = TargetAlerting()
    guard let configuration, case .mapping(let entries) = configuration.node.kind,
      let targetsIndex = entries.firstIndex(where: { $0.key == "targets" }),
      case .sequence(let items) = entries[targetsIndex].value.kind
    else { return (configuration, found) }
    var cleaned: [YAMLNode] = []
    for (index, item) in items.enumerated() {
      guard case .mapping(let fields) = item.kind,
        fields.contains(where: { $0.key == "alerting" || $0.key == "labels" })
      else {
        cleaned.append(item)
        continue
      }
      let value = ConfigValue(
        item, path: "\(configuration.path).targets[\(index)]", substitution: configuration.substitution)
      func field(_ key: String) -> ConfigValue? {
        guard let entry = fields.first(where: { $0.key == key }) else { return nil }
        if case .null = entry.value.kind { return nil }
        return ConfigValue(entry.value, path: "\(value.path).\(key)", substitution: value.substitution)
      }
      guard let nameValue = field("name") else {
        throw value.error(
          "a target with its own alerting or labels needs a 'name' (its alerts are keyed by it)")
      }
      let name = try nameValue.string()
      if let own = field("alerting") {
        _ = try own.mapping(allowed: keys)
        found.alerting[name] = own
      }
      if let labels = field("labels") { found.labels[name] = try labels.stringMap() }
      cleaned.append(
        YAMLNode(.mapping(fields.filter { $0.key != "alerting" && $0.key != "labels" }), at: item.mark))
    }
    var rest = entries
    rest[targetsIndex].value = YAMLNode(.sequence(cleaned), at: entries[targetsIndex].value.mark)
    return (
      ConfigValue(
        YAMLNode(.mapping(rest), at: configuration.node.mark), path: configuration.path,
        substitution: configuration.substitution),
      found
    )
  }
}

/// The alerting a run of one function follows beyond the project's: its own keys, and its targets'.
package struct AlertingOverrides: Sendable {
  /// The function's `alerting:` (config.yml or serverless.yml).
  package var function: ConfigValue?
  package var targets = TargetAlerting()

  package init(function: ConfigValue? = nil, targets: TargetAlerting = TargetAlerting()) {
    self.function = function
    self.targets = targets
  }
}
