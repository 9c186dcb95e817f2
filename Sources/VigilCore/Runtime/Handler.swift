#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

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

/// A handler with its types erased, as the runtime's registry holds them.
public struct AnyHandler: Sendable {
  /// The handler's registered name (`website-status`).
  public let name: String
  /// One line on what it does.
  public let summary: String
  private let body: @Sendable (InvocationEvent, Context) async throws -> HandlerOutput

  public init<H: Handler>(name: String, summary: String, _ handler: H) {
    self.name = name
    self.summary = summary
    self.body = { event, context in
      let output = try await handler.handle(event, context: context)
      let candidates = (output as? any AlertProducing)?.alertCandidates ?? []
      return HandlerOutput(value: output, alertCandidates: candidates)
    }
  }

  /// Runs the handler.
  public func handle(_ event: InvocationEvent, context: Context) async throws -> HandlerOutput {
    try await body(event, context)
  }
}

/// What a handler produced: its result value and any alert candidates. The value is encoded once, when it is
/// printed or sent; `json` parses it only for callers that want to look inside.
public struct HandlerOutput: Sendable {
  public let value: any Encodable & Sendable
  public var alertCandidates: [AlertCandidate]

  public init(value: any Encodable & Sendable, alertCandidates: [AlertCandidate] = []) {
    self.value = value
    self.alertCandidates = alertCandidates
  }

  /// The result as JSON bytes.
  public func encoded(pretty: Bool = false) throws -> Data {
    try JSONCoding.encode(value, pretty: pretty)
  }

  /// The result as a JSON value (encodes and parses: for inspection, not the hot path).
  public var json: JSONValue {
    (try? encoded()).flatMap { try? JSONValue.parse($0) } ?? .null
  }

  /// A member of the result, when it is an object.
  public subscript(key: String) -> JSONValue? { json[key] }
}

/// The error shape FaaS platforms report: `{"errorType", "errorMessage", "stackTrace"}`.
public struct InvocationFailure: Error, Sendable, Codable, CustomStringConvertible {
  public var errorType: String
  public var errorMessage: String
  public var stackTrace: [String]
  public var requestId: String?

  public init(errorType: String, errorMessage: String, requestId: String? = nil) {
    self.errorType = errorType
    self.errorMessage = errorMessage
    self.stackTrace = []
    self.requestId = requestId
  }

  /// Wraps any thrown error.
  public init(_ error: any Error, requestId: String?) {
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

  public var description: String { "\(errorType): \(errorMessage)" }
}
