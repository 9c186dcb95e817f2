import VigilCron

/// `serverless.yml`, in the Serverless Framework's Tencent SCF form: a provider and named functions, each
/// with a handler, limits, environment and `timer` (and `apigw`) events.
package struct ServerlessConfig: Sendable {
  /// The file it was read from.
  package var file: String
  /// `service:`.
  package var service: String
  /// `provider:` settings shared by every function.
  package var provider: Provider
  /// Functions that were read without error, in file order.
  package var functions: [FunctionSpec]
  /// Functions whose own section has a problem (e.g. a missing environment variable): they cannot run,
  /// the others can.
  package var invalidFunctions: [(name: String, error: ConfigError)]
  /// `custom.vigil` settings.
  package var vigil: VigilSettings
  /// The folder holding `functions/<name>/`.
  package var functionsDirectory: String

  /// The provider section.
  package struct Provider: Sendable {
    package var name: String
    package var runtime: String
    package var region: String
    package var namespace: String
    package var memorySize: Int
    package var timeout: Double
    package var environment: [String: String]
  }

  /// Vigil's own settings under `custom: vigil:`.
  package struct VigilSettings: Sendable {
    /// Where state (samples, incidents, outbox) is kept; default `.vigil`.
    package var stateDirectory: String?
    /// `custom.vigil.state`: a folder or a store URL (`redis://…`), `${env:…}` substituted; and where it is.
    package var state: String?
    package var stateMark: SourceMark?
    /// Zone for triggers that name none; default `Asia/Shanghai` (SCF evaluates timers in UTC+8).
    package var timezone: String
    package var timezoneMark: SourceMark?
    /// `vigil schedule`: `skip` (default) or `allow` a trigger's run while its previous run is going.
    package var overlap: String = "skip"
    /// `vigil schedule`: seconds in-flight runs get to finish after SIGTERM (default 30).
    package var graceSeconds: Double = 30
    /// `custom.vigil.channels` and `custom.vigil.alerting`, read by the alerting module.
    package var channels: ConfigValue?
    package var alerting: ConfigValue?
    /// `custom.vigil.routes`, read by the alerting module.
    package var routes: ConfigValue?
    /// `custom.vigil.regions`: every region the service is deployed to (one `sls deploy` per region), and where
    /// the list is; a function's `quorum.regions` must be among them.
    package var regions: [String]? = nil
    package var regionsMark: SourceMark? = nil
    /// `custom.vigil.metrics.push`: a Prometheus Pushgateway every check run pushes its figures to, and the
    /// `job` label it uses (default `vigil`).
    package var metricsPush: String? = nil
    package var metricsJob: String = "vigil"
    /// `custom.vigil.history`: keep each run's results and incidents in the store (default true); false keeps
    /// only alert state, and the status page, `vigil status` and `/metrics` have nothing to show.
    package var history: Bool = true

    package init(
      stateDirectory: String? = nil, timezone: String = "Asia/Shanghai", timezoneMark: SourceMark? = nil
    ) {
      self.stateDirectory = stateDirectory
      self.timezone = timezone
      self.timezoneMark = timezoneMark
    }
  }

  /// Finds a function by name.
  package func function(named name: String) -> FunctionSpec? {
    functions.first { $0.name == name }
  }

  /// A region name as platforms spell them: `ap-guangzhou`, `us-east-1`.
  package static func isRegionName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.count <= 64
      && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
  }

  /// Every function name, valid or not, in file order.
  package var allFunctionNames: [String] {
    (functions.map { ($0.mark.line, $0.name) } + invalidFunctions.map { ($0.error.mark.line, $0.name) })
      .sorted { $0.0 < $1.0 }.map(\.1)
  }
}

/// One function of `serverless.yml`.
package struct FunctionSpec: Sendable {
  package var name: String
  /// The Vigil handler that runs it (e.g. `website-status`).
  package var handler: String
  package var description: String?
  /// Time limit in seconds.
  package var timeout: Double
  package var memorySize: Int
  /// Provider environment merged with the function's own.
  package var environment: [String: String]
  package var timers: [TimerTrigger]
  package var routes: [GatewayRoute]
  package var namespace: String
  package var region: String
  /// Where the function is declared.
  package var mark: SourceMark
  package var handlerMark: SourceMark
  /// The function's configuration when Vigil wrote it (a Serverless Components Python function run through
  /// the SCF adapter), used when `functions/<name>/config.yml` does not exist; its file is named in the code
  /// folder, where relative commands start.
  package var generatedConfiguration: (file: String, text: String)? = nil
  /// The function's own alerting policy keys (`functions.<name>.alerting`), over the project's.
  package var alerting: ConfigValue? = nil
  /// `functions.<name>.labels`: names and values the project's alert routes match on (`team: data`).
  package var labels: [String: String] = [:]
}

/// A `timer` event: a seven-field cron expression that fires the function with an SCF timer event.
package struct TimerTrigger: Sendable {
  package var name: String
  package var cronExpression: String
  package var cronMark: SourceMark
  package var enabled: Bool
  /// Becomes the event's `Message`.
  package var argument: String
  /// IANA zone, or nil for the project default.
  package var timezone: String?
  package var timezoneMark: SourceMark?

  package init(
    name: String, cronExpression: String, cronMark: SourceMark, enabled: Bool = true, argument: String = "",
    timezone: String? = nil, timezoneMark: SourceMark? = nil
  ) {
    self.name = name
    self.cronExpression = cronExpression
    self.cronMark = cronMark
    self.enabled = enabled
    self.argument = argument
    self.timezone = timezone
    self.timezoneMark = timezoneMark
  }
}

/// An `apigw` event endpoint: requests to `method path` become API-gateway events.
package struct GatewayRoute: Sendable {
  package var path: String
  package var method: String
}

extension ServerlessConfig {
  /// The timeout used when neither provider nor function names one (SCF's default is 3 s).
  package static let defaultTimeout: Double = 3
  /// The memory size used when none is given, in MB.
  package static let defaultMemorySize = 128

  /// Reads and checks the file at `path`.
  package static func load(path: String, environment: [String: String]) throws -> ServerlessConfig {
    let text = try ConfigFileReader.read(path) ?? ""
    let directory = NSStringPath(path: path).deletingLastPathComponent
    return try parse(text, file: path, directory: directory, environment: environment)
  }

  /// Reads configuration text; `directory` is where `functions/` is looked for.
  package static func parse(
    _ text: String, file: String, directory: String, environment: [String: String]
  ) throws(ConfigError) -> ServerlessConfig {
    let root = ConfigValue(
      try YAMLParser.parse(text, file: file), path: "serverless.yml",
      substitution: EnvironmentSubstitution(environment: environment))
    if root.isNull {
      throw root.error("the file is empty: expected 'service:', 'provider:' and 'functions:'")
    }
    if let components = try parseComponents(root, file: file, directory: directory) { return components }
    let top = try root.mapping(allowed: [
      "service", "app", "stage", "org", "frameworkVersion", "provider", "plugins", "functions", "custom",
      "package", "resources",
    ])
    let service = try top.optional("service")?.string() ?? "vigil"
    let provider = try readProvider(top.optional("provider"))
    let vigil = try readVigilSettings(top.optional("custom"))
    let functionsValue = try top.required("functions")
    guard case .mapping(let entries) = functionsValue.node.kind else {
      throw functionsValue.error(
        "'functions' must map function names to their settings, found \(functionsValue.node.kindDescription)")
    }
    var functions: [FunctionSpec] = []
    var invalid: [(String, ConfigError)] = []
    for entry in entries {
      let value = ConfigValue(entry.value, path: "functions.\(entry.key)", substitution: root.substitution)
      do throws(ConfigError) {
        functions.append(
          try readFunction(name: entry.key, mark: entry.keyMark, value: value, provider: provider))
      } catch {
        invalid.append((entry.key, error))
      }
    }
    return ServerlessConfig(
      file: file, service: service, provider: provider, functions: functions,
      invalidFunctions: invalid, vigil: vigil,
      functionsDirectory: directory.isEmpty ? "functions" : directory + "/functions")
  }

  static func readProvider(_ value: ConfigValue?) throws(ConfigError) -> Provider {
    var provider = Provider(
      name: "tencent", runtime: "CustomRuntime", region: "ap-guangzhou", namespace: "default",
      memorySize: defaultMemorySize, timeout: defaultTimeout, environment: [:])
    guard let value else { return provider }
    let map = try value.mapping(allowed: [
      "name", "runtime", "region", "namespace", "memorySize", "timeout", "environment", "credentials",
      "stage", "role",
    ])
    if let name = try map.optional("name")?.string() { provider.name = name }
    if let runtime = try map.optional("runtime")?.string() { provider.runtime = runtime }
    if let region = try map.optional("region")?.string() { provider.region = region }
    if let namespace = try map.optional("namespace")?.string() { provider.namespace = namespace }
    if let memory = map.optional("memorySize") { provider.memorySize = try readMemory(memory) }
    if let timeout = map.optional("timeout") { provider.timeout = try readTimeout(timeout) }
    if let environment = map.optional("environment") {
      provider.environment = try readEnvironment(environment)
    }
    return provider
  }

  static func readVigilSettings(_ custom: ConfigValue?) throws(ConfigError) -> VigilSettings {
    var settings = VigilSettings(stateDirectory: nil, timezone: "Asia/Shanghai", timezoneMark: nil)
    guard let custom, case .mapping(let entries) = custom.node.kind,
      let entry = entries.first(where: { $0.key == "vigil" })
    else { return settings }
    let value = ConfigValue(entry.value, path: "custom.vigil", substitution: custom.substitution)
    let map = try value.mapping(allowed: [
      "state", "stateDir", "timezone", "overlap", "grace", "channels", "alerting", "routes", "regions",
      "metrics", "history",
    ])
    settings.stateDirectory = try map.optional("stateDir")?.string()
    if let state = map.optional("state") {
      if map.optional("stateDir") != nil {
        throw state.error("give 'state' or 'stateDir', not both ('state' takes a folder too)")
      }
      let text = try state.string()
      guard !text.isEmpty else { throw state.error("'state' is empty: give a folder or a store URL") }
      settings.state = text
      settings.stateMark = state.mark
    }
    if let zone = map.optional("timezone") {
      settings.timezone = try zone.string()
      settings.timezoneMark = zone.mark
    }
    if let overlap = map.optional("overlap") {
      settings.overlap = try overlap.string()
      guard ["skip", "allow"].contains(settings.overlap) else {
        throw overlap.error("'overlap' must be skip or allow, found \(overlap.shown(settings.overlap))")
      }
    }
    if let grace = map.optional("grace") { settings.graceSeconds = try grace.duration(within: 0...3_600) }
    settings.channels = map.optional("channels")
    settings.alerting = map.optional("alerting")
    settings.routes = map.optional("routes")
    if let regions = map.optional("regions") {
      settings.regions = try readRegions(regions, count: 1...16)
      settings.regionsMark = regions.mark
    }
    if let history = map.optional("history") { settings.history = try history.bool() }
    if let metrics = map.optional("metrics") {
      let fields = try metrics.mapping(allowed: ["push", "job"])
      if let push = fields.optional("push") {
        let url = try push.string()
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.utf8.count <= 2048 else {
          throw push.error(
            "'metrics.push' must be the Pushgateway's http(s):// URL, e.g. http://pushgateway:9091")
        }
        settings.metricsPush = url.hasSuffix("/") ? String(url.dropLast()) : url
      }
      if let job = fields.optional("job") {
        let name = try job.string()
        guard (1...64).contains(name.count),
          name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else { throw job.error("'metrics.job' is 1-64 letters, digits, '-', '_' or '.'") }
        settings.metricsJob = name
      }
    }
    return settings
  }

  /// A list of distinct region names, `count` of them (`custom.vigil.regions`, `quorum.regions`), each error
  /// at its item.
  package static func readRegions(_ value: ConfigValue, count: ClosedRange<Int>) throws(ConfigError)
    -> [String]
  {
    let items = try value.list()
    guard count.contains(items.count) else {
      throw value.error(
        "'\(value.path)' needs \(count.lowerBound) to \(count.upperBound) regions, found \(items.count)")
    }
    var regions: [String] = []
    for item in items {
      let name = try item.string()
      guard isRegionName(name) else {
        throw item.error(
          "a region is 1-64 lower-case letters, digits and '-' (ap-guangzhou, us-east-1), found \(item.shown(name))"
        )
      }
      guard !regions.contains(name) else { throw item.error("the region '\(name)' is listed twice") }
      regions.append(name)
    }
    return regions
  }

  /// The keys of a function's settings (the Framework form; a component's `inputs` has more).
  static let functionKeys = [
    "handler", "description", "runtime", "memorySize", "timeout", "initTimeout", "environment", "events",
    "namespace", "region", "alerting", "labels",
  ]

  static func readFunction(
    name: String, mark: SourceMark, value: ConfigValue, provider: Provider, extraKeys: [String] = []
  ) throws(ConfigError) -> FunctionSpec {
    guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
      throw ConfigError(mark, "function name '\(name)' may only contain letters, digits, '-' and '_'")
    }
    let map = try value.mapping(allowed: functionKeys + extraKeys)
    let handlerValue = try map.required("handler")
    var environment = provider.environment
    if let own = map.optional("environment") {
      environment.merge(try readEnvironment(own)) { _, new in new }
    }
    var timers: [TimerTrigger] = []
    var routes: [GatewayRoute] = []
    for event in try map.optional("events")?.list() ?? [] {
      guard case .mapping(let pairs) = event.node.kind, pairs.count == 1, let pair = pairs.first else {
        throw event.error(
          "each event must be a single 'timer:' or 'apigw:' mapping, found \(event.node.kindDescription)")
      }
      let body = ConfigValue(pair.value, path: "\(event.path).\(pair.key)", substitution: event.substitution)
      switch pair.key {
      case "timer": timers.append(try readTimer(body, index: timers.count, function: name))
      case "apigw": routes.append(contentsOf: try readGateway(body))
      default:
        throw ConfigError(
          pair.keyMark,
          "unsupported event type '\(pair.key)' in function '\(name)'; Vigil runs 'timer' and 'apigw' events")
      }
    }
    var function = FunctionSpec(
      name: name, handler: try handlerValue.string(),
      description: try map.optional("description")?.string(),
      timeout: try map.optional("timeout").map { v throws(ConfigError) in try readTimeout(v) }
        ?? provider.timeout,
      memorySize: try map.optional("memorySize").map { v throws(ConfigError) in try readMemory(v) }
        ?? provider.memorySize,
      environment: environment, timers: timers, routes: routes,
      namespace: try map.optional("namespace")?.string() ?? provider.namespace,
      region: try map.optional("region")?.string() ?? provider.region,
      mark: mark, handlerMark: handlerValue.mark)
    function.alerting = map.optional("alerting")
    if let labels = map.optional("labels") {
      function.labels = try labels.stringMap()
      for (label, text) in function.labels
      where label.isEmpty || label.utf8.count > 64 || text.utf8.count > 256 || label.containsLineBreak
        || text.containsLineBreak
      {
        throw labels.error(
          "label '\(label.excerpt())': a name of 1-64 characters and a value of at most 256, on one line each"
        )
      }
    }
    return function
  }

  private static func readTimer(_ value: ConfigValue, index: Int, function: String) throws(ConfigError)
    -> TimerTrigger
  {
    let map = try value.mapping(allowed: ["name", "parameters"])
    // Components v2 writes the trigger's name inside its parameters.
    let parameters = try map.required("parameters").mapping(allowed: [
      "cronExpression", "enable", "argument", "qualifier", "timezone", "name",
    ])
    let cron = try parameters.required("cronExpression")
    let zone = parameters.optional("timezone")
    let outerName = try map.optional("name")?.string()
    let innerName = try parameters.optional("name")?.string()
    return TimerTrigger(
      name: outerName ?? innerName ?? "timer-\(function)-\(index + 1)",
      cronExpression: try cron.string(), cronMark: cron.mark,
      enabled: try parameters.optional("enable")?.bool() ?? true,
      argument: try parameters.optional("argument")?.string() ?? "",
      timezone: try zone?.string(), timezoneMark: zone?.mark)
  }

  private static func readGateway(_ value: ConfigValue) throws(ConfigError) -> [GatewayRoute] {
    let map = try value.mapping(allowed: ["name", "parameters"])
    guard let parameters = map.optional("parameters") else { return [] }
    let settings = try parameters.mapping(allowed: [
      "protocols", "environment", "endpoints", "serviceId", "serviceName", "description", "enableCORS",
      "netTypes",
    ])
    var routes: [GatewayRoute] = []
    for endpoint in try settings.optional("endpoints")?.list() ?? [] {
      let fields = try endpoint.mapping(allowed: [
        "path", "method", "description", "function", "enableCORS", "serviceTimeout", "apiName",
        "responseType",
      ])
      let method = try fields.optional("method")?.string().uppercased() ?? "ANY"
      let allowedMethods = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "ANY"]
      guard allowedMethods.contains(method) else {
        throw try fields.required("method").error(
          "method must be one of \(allowedMethods.joined(separator: ", ")), found \(try fields.required("method").shown(method))"
        )
      }
      let pathValue = try fields.required("path")
      let path = try pathValue.string()
      guard path.hasPrefix("/") else {
        throw pathValue.error("an endpoint path must start with '/', found \(pathValue.shown(path))")
      }
      routes.append(GatewayRoute(path: path, method: method))
    }
    return routes
  }

  private static func readEnvironment(_ value: ConfigValue) throws(ConfigError) -> [String: String] {
    // Tencent's form nests the map under `variables:`; the flat AWS form is accepted too.
    if case .mapping(let entries) = value.node.kind, entries.count == 1, entries[0].key == "variables" {
      return try ConfigValue(
        entries[0].value, path: "\(value.path).variables", substitution: value.substitution
      ).stringMap()
    }
    return try value.stringMap()
  }

  private static func readTimeout(_ value: ConfigValue) throws(ConfigError) -> Double {
    let seconds = try value.duration(within: 0...86_400)
    guard seconds > 0 else {
      throw value.error(
        "'\(value.path)' must be between 1ms and 24h (SCF allows up to 900 s), found \(value.shown((try? value.string()) ?? ""))"
      )
    }
    return seconds
  }

  private static func readMemory(_ value: ConfigValue) throws(ConfigError) -> Int {
    let megabytes = try value.int()
    guard (16...65_536).contains(megabytes) else {
      throw value.error("'\(value.path)' is in MB and must be between 16 and 65536, found \(megabytes)")
    }
    return megabytes
  }
}

/// Path helpers without NSString (FoundationEssentials has none).
package struct NSStringPath {
  package let path: String
  package init(path: String) { self.path = path }
  package var deletingLastPathComponent: String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
  /// The part after the last `/`.
  package var lastPathComponent: String {
    path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
  }
  /// `path/component` (just `component` when the path is empty).
  package func appendingPathComponent(_ component: String) -> String {
    path.isEmpty ? component : path.hasSuffix("/") ? path + component : path + "/" + component
  }
}
