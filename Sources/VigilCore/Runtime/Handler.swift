/// A monitoring function: one async entry point taking the event and the invocation's context, returning a
/// JSON-encodable result. Stateless between calls: anything remembered goes through `context.state`.
public protocol Handler: Sendable {
  associatedtype Output: Encodable & Sendable
  /// Handles one invocation.
  func handle(_ event: InvocationEvent, context: Context) async throws -> Output
}

/// A result that carries alert candidates for the alerting engine (checks return these; the runtime routes
/// them, so checks and alerting never import each other).
public protocol AlertProducing {
  var alertCandidates: [AlertCandidate] { get }
}

/// A handler under the name `serverless.yml` gives it, as the runtime's registry holds it: what an operator
/// passes to `Vigil.main(handlers:)`.
///
/// ```swift
/// try await Vigil.main(handlers: [
///   AnyHandler(name: "queue-depth", summary: "the orders queue drains", QueueDepthCheck(),
///              configuration: { _ = try QueueDepthConfig.read($0) })
/// ])
/// ```
public struct AnyHandler: Sendable {
  /// The handler's registered name (`website-status`): 1-64 lower-case letters, digits and `-`.
  public let name: String
  /// One line on what it does (`vigil list` shows it).
  public let summary: String
  /// Reads a function's `functions/<name>/config.yml` the way the handler will, so `vigil validate` reports
  /// its mistakes (at file:line:column, when it throws a `ConfigError`) without running anything.
  public let validateConfiguration: (@Sendable (ConfigValue) throws -> Void)?
  private let body: @Sendable (InvocationEvent, Context) async throws -> HandlerOutput

  /// Registers `handler` under `name`; `configuration`, when given, validates the function's config file.
  public init<H: Handler>(
    name: String, summary: String, _ handler: H,
    configuration: (@Sendable (ConfigValue) throws -> Void)? = nil
  ) {
    self.name = name
    self.summary = summary
    self.validateConfiguration = configuration
    self.body = { event, context in
      let output = try await handler.handle(event, context: context)
      let candidates = (output as? any AlertProducing)?.alertCandidates ?? []
      return HandlerOutput(value: output, alertCandidates: candidates)
    }
  }

  /// Runs the handler.
  package func handle(_ event: InvocationEvent, context: Context) async throws -> HandlerOutput {
    try await body(event, context)
  }
}

/// What a handler produced: its result value and any alert candidates. The value is encoded once, when it is
/// printed or sent; `json` parses it only for callers that want to look inside.
package struct HandlerOutput: Sendable {
  package let value: any Encodable & Sendable
  package var alertCandidates: [AlertCandidate]

  package init(value: any Encodable & Sendable, alertCandidates: [AlertCandidate] = []) {
    self.value = value
    self.alertCandidates = alertCandidates
  }

  /// The result as JSON bytes.
  package func encoded(pretty: Bool = false) throws -> [UInt8] {
    try JSONCoding.encode(value, pretty: pretty)
  }

  /// The result as JSON text.
  package func encodedString(pretty: Bool = false) throws -> String {
    try JSONCoding.encodeString(value, pretty: pretty)
  }

  /// The result as JSON text handed to `drain` in pieces (what `vigil invoke` prints: never held whole).
  package func write(pretty: Bool = false, to drain: @escaping (String) -> Void) throws {
    try JSONCoding.write(value, pretty: pretty, to: drain)
  }

  /// The result as a JSON value (encodes and parses: for inspection, not the hot path).
  package var json: JSONValue {
    (try? encoded()).flatMap { try? JSONValue.parse($0) } ?? .null
  }

  /// A member of the result, when it is an object.
  package subscript(key: String) -> JSONValue? { json[key] }
}

/// The error shape FaaS platforms report: `{"errorType", "errorMessage", "stackTrace"}`.
package struct InvocationFailure: Error, Sendable, Codable, CustomStringConvertible {
  package var errorType: String
  package var errorMessage: String
  package var stackTrace: [String]
  package var requestId: String?

  package init(errorType: String, errorMessage: String, requestId: String? = nil) {
    self.errorType = errorType
    self.errorMessage = errorMessage
    self.stackTrace = []
    self.requestId = requestId
  }

  /// Wraps any thrown error.
  package init(_ error: any Error, requestId: String?) {
    if let failure = error as? InvocationFailure {
      self = failure
      self.requestId = requestId ?? failure.requestId
    } else if let config = error as? ConfigError {
      // A check's configuration problem found when it reads its file: the same kind as one found at load.
      self.init(errorType: "ConfigurationError", errorMessage: config.description, requestId: requestId)
    } else {
      self.init(
        errorType: String(describing: type(of: error)), errorMessage: String(describing: error),
        requestId: requestId)
    }
  }

  package var description: String { "\(errorType): \(errorMessage)" }
}
