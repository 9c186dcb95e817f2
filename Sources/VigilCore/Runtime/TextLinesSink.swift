import VigilCron

#if canImport(Glibc)
  import Glibc
#endif

/// Log records as a person reads them on a terminal: `12:04:05.123 WARN  message  key=value …`, and a
/// multi-line field (the console channel's alert) as an indented block under its line. Secrets are masked as
/// in the JSON lines; colours only when asked (a terminal without NO_COLOR).
package struct TextLinesSink: LogSink {
  private let redactor: Redactor
  private let descriptor: Int32
  private let colour: Bool

  package init(redactor: Redactor = .shared, descriptor: Int32 = 2, colour: Bool = false) {
    self.redactor = redactor
    self.descriptor = descriptor
    self.colour = colour
  }

  package func write(_ record: LogRecord) {
    writeWhole(Self.format(record, redactor: redactor, colour: colour), to: descriptor)
  }

  package static func format(_ record: LogRecord, redactor: Redactor, colour: Bool) -> String {
    let clock = ISO8601.format(record.time, fractional: true)
    let time = clock.dropFirst(11).prefix(12)
    let level: String
    let code: String
    switch record.level {
    case .debug: (level, code) = ("DEBUG", "2")
    case .info: (level, code) = ("INFO ", "0")
    case .warning: (level, code) = ("WARN ", "33")
    case .error: (level, code) = ("ERROR", "31;1")
    }
    var line = "\(time) " + (colour && code != "0" ? "\u{1B}[\(code)m\(level)\u{1B}[0m" : level) + " "
    line += redactor.redact(record.message)
    var blocks: [String] = []
    for (key, value) in record.fields.sorted(by: { $0.key < $1.key }) {
      let shown = redactor.redact(value)
      if shown.contains(Character("\n")) {
        blocks.append(shown)
      } else {
        line += "  \(key)=" + (shown.contains(Character(" ")) || shown.isEmpty ? "\"\(shown)\"" : shown)
      }
    }
    for block in blocks {
      line +=
        "\n"
        + block.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
        .joined(separator: "\n")
    }
    return line + "\n"
  }
}

/// How log lines look on standard error: `VIGIL_LOG_FORMAT=json|text`, else text on a terminal and JSON lines
/// otherwise (a log collector, a pipe, a FaaS platform).
package enum LogFormat {
  package struct Invalid: Error, CustomStringConvertible {
    package var value: String
    package var description: String {
      "VIGIL_LOG_FORMAT must be json or text, found '\(value.prefix(40))'"
    }
  }

  package static func sink(environment: [String: String], descriptor: Int32 = 2) throws(Invalid)
    -> any LogSink
  {
    let terminal = isatty(descriptor) == 1
    switch environment["VIGIL_LOG_FORMAT"] {
    case nil, "":
      return terminal
        ? TextLinesSink(descriptor: descriptor, colour: environment["NO_COLOR"] == nil)
        : JSONLinesSink(descriptor: descriptor)
    case "json": return JSONLinesSink(descriptor: descriptor)
    case "text":
      return TextLinesSink(descriptor: descriptor, colour: terminal && environment["NO_COLOR"] == nil)
    case let other?: throw Invalid(value: other)
    }
  }
}
