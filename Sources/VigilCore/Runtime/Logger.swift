import Synchronization
import VigilCron

#if canImport(Glibc)
  import Glibc
#endif

/// A cheap logger value: structured metadata (request id, function) travels with it; where lines go is the
/// sink's business. Secrets registered with the sink's redactor never reach the output.
public struct Logger: Sendable {
  /// Severity, in increasing order.
  public enum Level: Int, Sendable, Comparable, CaseIterable {
    case debug, info, warning, error
    /// Orders levels by severity.
    public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    /// The level as written in logs (`info`).
    public var name: String {
      switch self {
      case .debug: return "debug"
      case .info: return "info"
      case .warning: return "warning"
      case .error: return "error"
      }
    }
  }

  /// Fields added to every record (`function`, `requestId`).
  public var metadata: [String: String]
  /// Records below this level are dropped.
  public var minimumLevel: Level
  package let sink: any LogSink

  package init(sink: any LogSink, minimumLevel: Level = .info, metadata: [String: String] = [:]) {
    self.sink = sink
    self.minimumLevel = minimumLevel
    self.metadata = metadata
  }

  /// A copy with more metadata.
  public func with(_ extra: [String: String]) -> Logger {
    var copy = self
    copy.metadata.merge(extra) { _, new in new }
    return copy
  }

  /// Logs `message` with `fields` at `level` (secrets the runtime knows are masked).
  public func log(_ level: Level, _ message: String, _ fields: [String: String] = [:]) {
    guard level >= minimumLevel else { return }
    sink.write(
      LogRecord(
        time: Instant(), level: level, message: message, fields: metadata.merging(fields) { _, new in new }))
  }

  /// Logs at debug level.
  public func debug(_ message: String, _ fields: [String: String] = [:]) { log(.debug, message, fields) }
  /// Logs at info level.
  public func info(_ message: String, _ fields: [String: String] = [:]) { log(.info, message, fields) }
  /// Logs at warning level.
  public func warning(_ message: String, _ fields: [String: String] = [:]) { log(.warning, message, fields) }
  /// Logs at error level.
  public func error(_ message: String, _ fields: [String: String] = [:]) { log(.error, message, fields) }

  /// A logger that drops everything.
  public static let silent = Logger(sink: DiscardingSink(), minimumLevel: .error)
}

/// One log line.
package struct LogRecord: Sendable {
  package var time: Instant
  package var level: Logger.Level
  package var message: String
  package var fields: [String: String]
}

/// Where log records go.
package protocol LogSink: Sendable {
  func write(_ record: LogRecord)
}

/// Masks registered secret values (passwords, tokens, webhook keys) wherever they appear in a line.
package final class Redactor: Sendable {
  /// Longest first, so a secret that contains another is masked whole.
  private let secrets = Mutex<[String]>([])

  package init() {}

  /// The process-wide redactor: config loading registers secrets here, every sink applies it.
  package static let shared = Redactor()

  /// Registers a value to mask; very short values are ignored (they would mask ordinary words).
  package func register(_ secret: String) {
    guard secret.count >= 4 else { return }
    secrets.withLock { known in
      guard !known.contains(secret) else { return }
      known.append(secret)
      known.sort { $0.count > $1.count }
    }
  }

  /// The text with every registered secret replaced by `***`.
  package func redact(_ text: String) -> String {
    let known = secrets.withLock { $0 }
    guard !known.isEmpty else { return text }
    var result = text
    for secret in known where result.includes(secret) {
      result = result.replacingEvery(secret, with: "***")
    }
    return result
  }

  /// A URL with query values of secret-looking parameters (`key`, `access_token`, `sign`…) and any
  /// user:password masked: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***`.
  package static func redactURL(_ url: String) -> String {
    // Nothing to mask without user info or a query: the common case costs one byte scan.
    guard url.utf8.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "@") }) else { return url }
    var text = url
    if let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") {
      let authorityStart = text.index(colon, offsetBy: 3)
      let authorityEnd =
        text[authorityStart...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? text.endIndex
      if let at = text[authorityStart..<authorityEnd].lastIndex(of: "@") {
        text.replaceSubrange(authorityStart..<at, with: "***")
      }
    }
    guard let question = text.firstIndex(of: "?") else { return text }
    let query = text[text.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false)
    let masked = query.map { pair -> String in
      guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
      let name = pair[..<equals]
      return EnvironmentSubstitution.looksSecret(String(name))
        || ["sign", "sig", "access_token", "token"].contains(name.lowercased())
        ? "\(name)=***" : String(pair)
    }
    return text[...question] + masked.joined(separator: "&")
  }
}

/// Writes one JSON object per line to standard error (the form `vigil invoke` and FaaS platforms log in).
package struct JSONLinesSink: LogSink {
  private let redactor: Redactor
  private let descriptor: Int32

  package init(redactor: Redactor = .shared, descriptor: Int32 = 2) {
    self.redactor = redactor
    self.descriptor = descriptor
  }

  package func write(_ record: LogRecord) {
    var object: [String: JSONValue] = [
      "time": .string(ISO8601.format(record.time, fractional: true)),
      "level": .string(record.level.name),
      "msg": .string(redactor.redact(record.message)),
    ]
    for (key, value) in record.fields where object[key] == nil {
      object[key] = .string(redactor.redact(value))
    }
    writeWhole(JSONValue.object(object).encodedString() + "\n", to: descriptor)
  }
}

/// Writes all of `text` to `descriptor`, across short writes; a failing write (a closed stderr) drops the rest,
/// as a log line cannot be reported anywhere else.
func writeWhole(_ text: String, to descriptor: Int32) {
  text.utf8CString.withUnsafeBufferPointer { buffer in
    guard let base = buffer.baseAddress else { return }
    var offset = 0
    let length = buffer.count - 1
    while offset < length {
      let written = Glibc.write(descriptor, base + offset, length - offset)
      if written <= 0 { break }
      offset += written
    }
  }
}

/// Keeps records in memory (tests assert on them).
package final class CapturingSink: LogSink {
  private let storage = Mutex<[LogRecord]>([])
  private let redactor: Redactor

  package init(redactor: Redactor = .shared) { self.redactor = redactor }

  package func write(_ record: LogRecord) {
    var copy = record
    copy.message = redactor.redact(record.message)
    copy.fields = record.fields.mapValues { redactor.redact($0) }
    storage.withLock { $0.append(copy) }
  }

  /// Everything written so far.
  package var records: [LogRecord] { storage.withLock { $0 } }
}

/// Drops everything.
package struct DiscardingSink: LogSink {
  package init() {}
  package func write(_ record: LogRecord) {}
}

extension Redactor {
  /// Registers credentials and secret-looking query values of a URL so they never reach a log.
  package func registerSecrets(inURL url: String) {
    let redacted = Redactor.redactURL(url)
    guard redacted != url else { return }
    // Whatever redactURL masked is a secret: register each differing piece.
    let original = url.split(whereSeparator: { "&?@/".contains($0) })
    let masked = Set(redacted.split(whereSeparator: { "&?@/".contains($0) }))
    for piece in original where !masked.contains(piece) {
      let text = String(piece)
      if let equals = text.firstIndex(of: "=") {
        register(String(text[text.index(after: equals)...]))
      } else if let colon = text.firstIndex(of: ":") {
        register(String(text[text.index(after: colon)...]))
      } else {
        register(text)
      }
    }
  }
}
