import VigilCore

/// `custom.vigil.routes`: which channels an alert goes to, decided per alert by the first route that matches it,
/// like Alertmanager's routing tree flattened into an ordered list.
///
/// ```yaml
/// routes:
///   - match: {function: kafka-backlog, target: 'orders*'}
///     channels: [data-feishu]
///     continue: true                 # also try the routes below
///   - match: {labels: {team: shop}, severity: [critical]}
///     channels: [ops-wecom, ops-sms]
///   - channels: [console]            # no match: the default route
/// ```
///
/// A route matches when every condition it names holds: `function` and `target` are `*` patterns, `severity` a
/// list of info/warning/critical, `labels` the function's labels (each named one equal). The first match decides;
/// with `continue: true` the next matching route adds its channels too. An alert no route matches goes to the
/// policy's `channels`. Routes replace only the policy's default channels: an escalation step that names its
/// own channels still sends there, and a function whose own `alerting:` names `channels` or `fallback` is not
/// routed.
package struct AlertRoutes: Sendable, Hashable {
  package struct Route: Sendable, Hashable {
    package var function: String?
    package var target: String?
    package var severities: Set<AlertCandidate.Severity>?
    package var labels: [String: String]
    package var channels: [String]
    package var continues: Bool
    /// Where the route is written (`vigil validate --explain` names it).
    package var mark: SourceMark

    /// Whether an alert of `function`'s `target` at `severity`, the function labelled `labels`, matches.
    package func matches(
      function name: String, target: String, severity: AlertCandidate.Severity, labels given: [String: String]
    ) -> Bool {
      if let function, !Glob.matches(function, name) { return false }
      if let pattern = self.target, !Glob.matches(pattern, target) { return false }
      if let severities, !severities.contains(severity) { return false }
      return labels.allSatisfy { given[$0.key] == $0.value }
    }

    /// Whether it can match some alert of `function` (labelled `labels`): its target and severity aside.
    package func concerns(function name: String, labels given: [String: String]) -> Bool {
      (function.map { Glob.matches($0, name) } ?? true) && labels.allSatisfy { given[$0.key] == $0.value }
    }
  }

  package var routes: [Route]

  package init(routes: [Route] = []) { self.routes = routes }

  /// The channels for an alert (in route order, each once), or nil when no route matches.
  package func channels(
    function: String, target: String, severity: AlertCandidate.Severity, labels: [String: String]
  ) -> [String]? {
    var found: [String]?
    for route in routes
    where route.matches(function: function, target: target, severity: severity, labels: labels) {
      var channels = found ?? []
      for channel in route.channels where !channels.contains(channel) { channels.append(channel) }
      found = channels
      if !route.continues { break }
    }
    return found
  }

  /// Reads `custom.vigil.routes`; every channel must be configured.
  package static func read(_ value: ConfigValue?, channels: [String: any Channel]) throws(ConfigError)
    -> AlertRoutes
  {
    guard let value, !value.isNull else { return AlertRoutes() }
    var routes: [Route] = []
    for item in try value.list() {
      let fields = try item.mapping(allowed: ["match", "channels", "continue"])
      var route = Route(
        function: nil, target: nil, severities: nil, labels: [:],
        channels: try AlertingConfig.channelNames(try fields.required("channels"), channels: channels),
        continues: try fields.optional("continue")?.bool() ?? false, mark: item.mark)
      if route.channels.isEmpty {
        throw try fields.required("channels").error("a route needs at least one channel")
      }
      if let match = fields.optional("match") {
        let conditions = try match.mapping(allowed: ["function", "target", "severity", "labels"])
        route.function = try conditions.optional("function")?.string()
        route.target = try conditions.optional("target")?.string()
        if let severities = conditions.optional("severity") {
          var set = Set<AlertCandidate.Severity>()
          for item in try severities.isList ? severities.list() : [severities] {
            let text = try item.string()
            guard let severity = AlertCandidate.Severity(rawValue: text) else {
              throw item.error("a severity is info, warning or critical, found \(item.shown(text))")
            }
            set.insert(severity)
          }
          route.severities = set
        }
        route.labels = try conditions.optional("labels")?.stringMap() ?? [:]
      }
      routes.append(route)
    }
    for (index, route) in routes.enumerated().dropLast() where route.isDefault && !route.continues {
      throw ConfigError(
        routes[index + 1].mark,
        "this route is never reached: the route before it (at \(route.mark)) matches every alert")
    }
    return AlertRoutes(routes: routes)
  }
}

extension AlertRoutes.Route {
  /// A route without conditions: it matches every alert.
  var isDefault: Bool { function == nil && target == nil && severities == nil && labels.isEmpty }
}
