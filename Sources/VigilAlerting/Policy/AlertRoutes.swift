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
///   - match: {status: [resolved]}       # the all-clear to the team channel only
///     channels: [ops-wecom]
///   - channels: [console]            # no match: the default route
/// ```
///
/// A route matches when every condition it names holds: `function` and `target` are `*` patterns, `severity` a
/// list of info/warning/critical, `status` a list of notice kinds (firing, reminder, resolved, flapping, stable,
/// acknowledged), `labels` the function's labels (each named one equal). The first match decides;
/// with `continue: true` the next matching route adds its channels too. An alert no route matches goes to the
/// policy's `channels`. Routes replace only the policy's default channels: an escalation step that names its
/// own channels still sends there, and a function whose own `alerting:` names `channels` or `fallback` is not
/// routed.
package struct AlertRoutes: Sendable, Hashable {
  package struct Route: Sendable, Hashable {
    package var function: String?
    package var target: String?
    package var severities: Set<AlertCandidate.Severity>?
    /// The notice kinds it routes (firing, reminder, resolved, flapping, stable, acknowledged); nil: all.
    package var statuses: Set<String>? = nil
    package var labels: [String: String]
    package var channels: [String]
    /// The language of the channels it names (those without a `language:` of their own).
    package var language: NoticeLanguage? = nil
    package var continues: Bool
    /// Where the route is written (`vigil validate --explain` names it).
    package var mark: SourceMark

    /// Whether an alert of `function`'s `target` at `severity`, the function labelled `labels`, matches.
    /// A `status` of nil (the notice is not known yet) matches only routes without a status condition.
    package func matches(
      function name: String, target: String, severity: AlertCandidate.Severity,
      labels given: [String: String],
      status: String? = nil
    ) -> Bool {
      if let statuses, !(status.map { statuses.contains($0) } ?? false) { return false }
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

  /// Whether some route matches on the notice's status (each notice is then routed by its own).
  package var routesByStatus: Bool { routes.contains { $0.statuses != nil } }

  /// The channels for an alert's notice of `status` (nil: any notice), in route order, each once; nil when no
  /// route matches.
  package func channels(
    function: String, target: String, severity: AlertCandidate.Severity, labels: [String: String],
    status: String? = nil
  ) -> [String]? {
    var found: [String]?
    for route in routes
    where route.matches(
      function: function, target: target, severity: severity, labels: labels, status: status)
    {
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
      let fields = try item.mapping(allowed: ["match", "channels", "continue", "language"])
      var route = Route(
        function: nil, target: nil, severities: nil, labels: [:],
        channels: try AlertingConfig.channelNames(try fields.required("channels"), channels: channels),
        continues: try fields.optional("continue")?.bool() ?? false, mark: item.mark)
      route.language = try fields.optional("language").map { v throws(ConfigError) in
        try NoticeLanguage.read(v)
      }
      if route.channels.isEmpty {
        throw try fields.required("channels").error("a route needs at least one channel")
      }
      if let match = fields.optional("match") {
        let conditions = try match.mapping(allowed: ["function", "target", "severity", "status", "labels"])
        if let statuses = conditions.optional("status") {
          var set = Set<String>()
          for item in try statuses.isList ? statuses.list() : [statuses] {
            let text = try item.string()
            guard NotificationIntent.Kind(rawValue: text) != nil else {
              throw item.error(
                "a status is firing, reminder, resolved, flapping, stable or acknowledged, found \(item.shown(text))"
              )
            }
            set.insert(text)
          }
          route.statuses = set
        }
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

  /// `channels` with each route's `language:` on the channels it names that have none of their own. A message
  /// is one per channel, so two routes that give one channel different languages are an error.
  package func applyingLanguages(to channels: [String: any Channel]) throws(ConfigError) -> [String:
    any Channel]
  {
    var result = channels
    var given: [String: (NoticeLanguage, SourceMark)] = [:]
    for route in routes {
      guard let language = route.language else { continue }
      for name in route.channels {
        guard let presented = channels[name] as? PresentedChannel, !presented.ownLanguage else { continue }
        if let (other, mark) = given[name], other != language {
          throw ConfigError(
            route.mark,
            "channel '\(name)' would speak \(language.rawValue) here and \(other.rawValue) by the route at \(mark); a message is one per channel, so give the channel its own 'language:'"
          )
        }
        given[name] = (language, route.mark)
        result[name] = presented.speaking(language)
      }
    }
    return result
  }
}

extension AlertRoutes.Route {
  /// A route without conditions: it matches every alert.
  var isDefault: Bool {
    function == nil && target == nil && severities == nil && statuses == nil && labels.isEmpty
  }
}
