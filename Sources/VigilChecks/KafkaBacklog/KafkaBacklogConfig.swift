import VigilCore
import VigilNet

/// The `kafka-backlog` configuration: `functions/kafka-backlog/config.yml`.
package struct KafkaBacklogConfig: Sendable {
  package var provider: any ConsumerLagProvider
  package var groups: KafkaGroupSelection
  package var topics: KafkaTopicFilter?
  /// Samples kept per group for trends (Burrow's window).
  package var window: Int
  package var thresholds: LagThresholds
  package var severity: AlertCandidate.Severity
  /// Whether TLS verification is off (logged loudly each run).
  package var insecure: Bool

  /// Reads the configuration; `transport` is what the CKafka provider sends through.
  package static func read(_ root: ConfigValue, transport: any HTTPTransport, clock: any WallClock)
    throws(ConfigError) -> KafkaBacklogConfig
  {
    let map = try root.mapping(allowed: [
      "provider", "bootstrap", "security", "ckafka", "groups", "topics", "window", "thresholds", "severity",
      "timeout", "connectTimeout",
    ])
    let providerName = try map.optional("provider")?.string() ?? "kafka"
    let timeout = try map.optional("timeout")?.duration(within: 0.001...300) ?? 10
    let connectTimeout = try map.optional("connectTimeout")?.duration(within: 0.001...60) ?? 5
    var insecure = false
    let provider: any ConsumerLagProvider
    switch providerName {
    case "kafka":
      let bootstrapValue = try map.required("bootstrap")
      let texts = try bootstrapValue.isList ? bootstrapValue.stringList() : [bootstrapValue.string()]
      var servers: [KafkaServer] = []
      for text in texts.flatMap({ $0.split(separator: ",").map { String($0).trimming(" ") } }) {
        guard let server = KafkaServer(text) else {
          throw bootstrapValue.error("'\(text.excerpt())' is not host:port (e.g. 10.0.0.5:9092)")
        }
        servers.append(server)
      }
      if servers.isEmpty { throw bootstrapValue.error("'bootstrap' is empty: list at least one host:port") }
      let security = try readSecurity(map.optional("security"))
      insecure = security.insecure
      provider = KafkaProtocolProvider(
        client: KafkaClient(
          bootstrap: servers, security: security, connectTimeout: connectTimeout, ioTimeout: timeout))
    case "ckafka":
      let fields = try map.required("ckafka").mapping(allowed: [
        "region", "instanceId", "secretId", "secretKey", "endpoint",
      ])
      let secretKey = try fields.required("secretKey").string()
      Redactor.shared.register(secretKey)
      let endpointValue = fields.optional("endpoint")
      let endpoint = try endpointValue?.string() ?? "https://ckafka.tencentcloudapi.com"
      guard endpoint.hasPrefix("https://") || endpoint.hasPrefix("http://127.0.0.1") else {
        throw (endpointValue ?? root).error("'endpoint' must be an https URL")
      }
      provider = CKafkaProvider(
        endpoint: endpoint, region: try fields.required("region").string(),
        instanceID: try fields.required("instanceId").string(),
        secretID: try fields.required("secretId").string(),
        secretKey: secretKey, transport: transport, clock: clock, timeout: timeout)
    default:
      throw try map.required("provider").error("unknown provider '\(providerName)'; expected kafka or ckafka")
    }
    let groupsValue = try map.required("groups")
    let groups: KafkaGroupSelection
    if !groupsValue.isList, try groupsValue.string() == "all" {
      groups = .all
    } else {
      let names = try groupsValue.stringList()
      if names.isEmpty {
        throw groupsValue.error("'groups' is empty: list group ids, or write 'groups: all'")
      }
      groups = .named(names)
    }
    if case .all = groups, providerName == "ckafka" {
      throw groupsValue.error("the ckafka provider needs named groups; 'all' works with provider: kafka")
    }
    let topics = try map.optional("topics").map { value throws(ConfigError) in
      KafkaTopicFilter(try value.stringList())
    }
    let window = try map.optional("window")?.int() ?? 5
    guard (2...100).contains(window) else {
      throw try map.required("window").error("'window' (samples kept per group) must be 2-100")
    }
    let severityText = try map.optional("severity")?.string() ?? "critical"
    guard let severity = AlertCandidate.Severity(rawValue: severityText) else {
      throw try map.required("severity").error(
        "'severity' must be info, warning or critical, found \(try map.required("severity").shown(severityText))"
      )
    }
    return KafkaBacklogConfig(
      provider: provider, groups: groups, topics: topics, window: window,
      thresholds: try LagThresholds.read(map.optional("thresholds")), severity: severity, insecure: insecure)
  }

  static func readSecurity(_ value: ConfigValue?) throws(ConfigError) -> KafkaSecurity {
    guard let value else { return KafkaSecurity() }
    let fields = try value.mapping(allowed: [
      "protocol", "mechanism", "username", "password", "caFile", "insecure",
    ])
    let protocolText = try fields.optional("protocol")?.string().uppercased() ?? "PLAINTEXT"
    let known = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
    guard known.contains(protocolText) else {
      throw try fields.required("protocol").error(
        "unknown protocol '\(protocolText)'; expected one of: \(known.joined(separator: ", "))")
    }
    var security = KafkaSecurity(
      tls: protocolText.hasSuffix("SSL"), caFile: try fields.optional("caFile")?.string(),
      insecure: try fields.optional("insecure")?.bool() ?? false)
    if protocolText.hasPrefix("SASL") {
      let mechanismValue = try fields.required("mechanism")
      let mechanismText = try mechanismValue.string().uppercased()
      guard let mechanism = KafkaSecurity.Mechanism(rawValue: mechanismText) else {
        throw mechanismValue.error(
          "unknown SASL mechanism '\(mechanismText)'; expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
      }
      let password = try fields.required("password").string()
      Redactor.shared.register(password)
      security.sasl = .init(
        mechanism: mechanism, username: try fields.required("username").string(), password: password)
      if !security.tls && mechanism == .plain {
        throw mechanismValue.error(
          "PLAIN over SASL_PLAINTEXT sends the password in clear text; use SASL_SSL (or SCRAM)")
      }
    } else if fields.has("mechanism") || fields.has("username") || fields.has("password") {
      throw try fields.required("protocol").error(
        "'mechanism', 'username' and 'password' need protocol SASL_SSL or SASL_PLAINTEXT")
    }
    return security
  }
}

/// Lag limits: a default, per group, and per topic of a group, compared with a topic's summed lag.
package struct LagThresholds: Sendable, Hashable {
  /// One group's limits.
  package struct GroupLimits: Sendable, Hashable {
    package var lag: Int64?
    package var topics: [String: Int64]
  }

  package var lag: Int64?
  package var groups: [String: GroupLimits]

  /// The limit for `topic` of `group`: the most specific one set.
  package func limit(group: String, topic: String) -> Int64? {
    groups[group]?.topics[topic] ?? groups[group]?.lag ?? lag
  }

  static func read(_ value: ConfigValue?) throws(ConfigError) -> LagThresholds {
    guard let value else { return LagThresholds(lag: nil, groups: [:]) }
    let fields = try value.mapping(allowed: ["lag", "groups"])
    var thresholds = LagThresholds(lag: try positive(fields.optional("lag")), groups: [:])
    if let groupsValue = fields.optional("groups") {
      for (name, groupValue) in try groupsValue.entries() {
        let groupFields = try groupValue.mapping(allowed: ["lag", "topics"])
        var topics: [String: Int64] = [:]
        if let topicsValue = groupFields.optional("topics") {
          for (topic, limitValue) in try topicsValue.entries() {
            topics[topic] = try positive(limitValue)
          }
        }
        thresholds.groups[name] = GroupLimits(lag: try positive(groupFields.optional("lag")), topics: topics)
      }
    }
    return thresholds
  }

  private static func positive(_ value: ConfigValue?) throws(ConfigError) -> Int64? {
    guard let value else { return nil }
    let number = try value.int()
    guard number >= 0 else { throw value.error("a lag threshold is a message count of 0 or more") }
    return Int64(number)
  }
}
