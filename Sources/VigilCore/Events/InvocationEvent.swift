/// The event a handler receives, recognised by its shape; the raw JSON is always kept.
public enum InvocationEvent: Sendable {
  /// Tencent SCF timer trigger: `{"Type":"Timer","TriggerName","Time","Message"}`.
  case timer(TimerEvent)
  /// AWS EventBridge scheduled event (`"detail-type": "Scheduled Event"`).
  case scheduled(ScheduledEvent)
  /// API-gateway request (SCF API Gateway or AWS REST API proxy shape).
  case gateway(GatewayEvent)
  /// Anything else.
  case raw(JSONValue)

  /// Recognises the event's kind from its JSON.
  public init(json: JSONValue) {
    if json["Type"]?.stringValue == "Timer", let event = try? TimerEvent(json: json) {
      self = .timer(event)
    } else if json["detail-type"]?.stringValue == "Scheduled Event",
      let event = try? ScheduledEvent(json: json)
    {
      self = .scheduled(event)
    } else if json["httpMethod"]?.stringValue != nil, json["path"]?.stringValue != nil,
      let event = try? GatewayEvent(json: json)
    {
      self = .gateway(event)
    } else {
      self = .raw(json)
    }
  }

  /// Parses event bytes; a clear error when they are not JSON.
  /// The largest event read: 6 MiB, the payload limit of a synchronous Lambda invocation.
  package static let maximumBytes = 6 * 1024 * 1024

  /// Reads an event from JSON `data`; `source` names it in errors (a file, `stdin`, the platform).
  public init(data: [UInt8], source: String) throws(EventError) {
    guard data.count <= Self.maximumBytes else {
      throw EventError(
        source: source, message: "the event is \(data.count) bytes; at most \(Self.maximumBytes) are read")
    }
    if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
      self.init(json: .object([:]))
      return
    }
    do {
      self.init(json: try JSONValue.parse(data))
    } catch {
      throw EventError(source: source, message: "the event is not valid JSON (\(error))")
    }
  }

  /// The event as JSON, whatever its kind.
  public var json: JSONValue {
    switch self {
    case .timer(let event): return event.json
    case .scheduled(let event): return event.json
    case .gateway(let event): return event.json
    case .raw(let json): return json
    }
  }

  /// A short name for logs: `timer`, `scheduled`, `gateway` or `raw`.
  public var kindName: String {
    switch self {
    case .timer: return "timer"
    case .scheduled: return "scheduled"
    case .gateway: return "gateway"
    case .raw: return "raw"
    }
  }
}

/// An event that could not be read.
public struct EventError: Error, Sendable, CustomStringConvertible {
  /// Where the event came from (a file, `stdin`, the platform).
  public var source: String
  /// What is wrong with it.
  public var message: String
  /// `source: message`.
  public var description: String { "\(source): \(message)" }

}

/// Tencent SCF timer event.
public struct TimerEvent: Sendable, Codable {
  /// Always `Timer`.
  public var type: String
  /// The timer trigger's name in `serverless.yml`.
  public var triggerName: String
  /// The scheduled time as SCF writes it (`2019-02-21T11:49:00Z`).
  public var time: String
  /// The trigger's `argument`.
  public var message: String

  enum CodingKeys: String, CodingKey {
    case type = "Type", triggerName = "TriggerName", time = "Time", message = "Message"
  }

  /// A timer event as SCF sends it, for tests and local invokes.
  public init(triggerName: String, time: String, message: String) {
    self.type = "Timer"
    self.triggerName = triggerName
    self.time = time
    self.message = message
  }

  init(json: JSONValue) throws {
    self = try JSONValueDecoder.decode(TimerEvent.self, from: json)
  }

  /// The event as SCF sends it.
  public var json: JSONValue { (try? JSONValue.from(self)) ?? .null }
}

/// AWS EventBridge scheduled event.
public struct ScheduledEvent: Sendable, Codable {
  /// The event's id.
  public var id: String
  /// `Scheduled Event`.
  public var detailType: String
  /// `aws.events`.
  public var source: String
  /// The AWS account.
  public var account: String?
  /// The scheduled time (`2026-11-23T08:00:00Z`).
  public var time: String
  /// The rule's region.
  public var region: String?
  /// The rule's ARN.
  public var resources: [String]
  /// The rule's `detail`, when it set one.
  public var detail: JSONValue?

  enum CodingKeys: String, CodingKey {
    case id, detailType = "detail-type", source, account, time, region, resources, detail
  }

  init(json: JSONValue) throws {
    self = try JSONValueDecoder.decode(ScheduledEvent.self, from: json)
  }

  /// The event as EventBridge sends it.
  public var json: JSONValue { (try? JSONValue.from(self)) ?? .null }
}

/// An API-gateway request event (SCF shape; AWS REST API proxy events decode too).
public struct GatewayEvent: Sendable, Codable {
  /// `GET`, `POST`...
  public var httpMethod: String
  /// The request path (`/heartbeat/web-1`).
  public var path: String
  /// Request headers.
  public var headers: [String: String]
  /// Query parameters.
  public var queryString: [String: String]
  /// Path parameters the gateway matched.
  public var pathParameters: [String: String]
  /// The body (base64 when `isBase64Encoded`).
  public var body: String?
  /// True when `body` is base64.
  public var isBase64Encoded: Bool
  /// The gateway's request context (source IP, stage...).
  public var requestContext: JSONValue?

  /// A request event, for tests and `vigil serve`.
  public init(
    httpMethod: String, path: String, headers: [String: String] = [:], queryString: [String: String] = [:],
    pathParameters: [String: String] = [:], body: String? = nil, isBase64Encoded: Bool = false,
    requestContext: JSONValue? = nil
  ) {
    self.httpMethod = httpMethod
    self.path = path
    self.headers = headers
    self.queryString = queryString
    self.pathParameters = pathParameters
    self.body = body
    self.isBase64Encoded = isBase64Encoded
    self.requestContext = requestContext
  }

  init(json: JSONValue) throws {
    func strings(_ value: JSONValue?) -> [String: String] {
      var result: [String: String] = [:]
      for (key, member) in value?.objectValue ?? [:] {
        switch member {
        case .string(let text): result[key] = text
        case .int(let number): result[key] = String(number)
        case .bool(let flag): result[key] = String(flag)
        default: continue
        }
      }
      return result
    }
    guard let method = json["httpMethod"]?.stringValue, let path = json["path"]?.stringValue else {
      throw EventError(source: "event", message: "an API-gateway event needs 'httpMethod' and 'path'")
    }
    self.init(
      httpMethod: method, path: path, headers: strings(json["headers"]),
      queryString: strings(json["queryString"] ?? json["queryStringParameters"]),
      pathParameters: strings(json["pathParameters"]), body: json["body"]?.stringValue,
      isBase64Encoded: json["isBase64Encoded"] == .bool(true), requestContext: json["requestContext"])
  }

  /// A header value, case-insensitively.
  public func header(_ name: String) -> String? {
    let lowered = name.lowercased()
    return headers.first { $0.key.lowercased() == lowered }?.value
  }

  /// The event as the gateway sends it.
  public var json: JSONValue { (try? JSONValue.from(self)) ?? .null }
}

/// The response shape API gateways expect from an integrated function.
public struct GatewayResponse: Sendable, Codable {
  /// True when `body` is base64.
  public var isBase64Encoded: Bool
  /// The HTTP status.
  public var statusCode: Int
  /// Response headers.
  public var headers: [String: String]
  /// The response body.
  public var body: String

  /// An answer with `statusCode` and `body` (JSON by default).
  public init(statusCode: Int, headers: [String: String] = ["Content-Type": "application/json"], body: String)
  {
    self.isBase64Encoded = false
    self.statusCode = statusCode
    self.headers = headers
    self.body = body
  }
}
