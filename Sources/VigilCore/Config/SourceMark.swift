/// A place in a configuration file: what every config error names.
public struct SourceMark: Sendable, Hashable, CustomStringConvertible {
  /// The file as the user gave it (relative paths stay relative).
  public var file: String
  /// 1-based line.
  public var line: Int
  /// 1-based column.
  public var column: Int

  /// A place in `file`, 1-based.
  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }

  /// `file:line:column`, or just the file for a problem with the file as a whole (line 0).
  public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// A configuration problem, located: `serverless.yml:12:5: unknown key 'memorysize' …`.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Where the problem is.
  public var mark: SourceMark
  /// What is wrong and what was expected.
  public var message: String

  /// A problem `message` at `mark`.
  public init(_ mark: SourceMark, _ message: String) {
    self.mark = mark
    self.message = message
  }

  /// `file:line:column: message`.
  public var description: String { "\(mark): \(message)" }
}

/// Several configuration problems found in one pass (`vigil validate` reports them all).
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
  /// The problems, in file order.
  public var errors: [ConfigError]

  /// Several problems reported together.
  public init(_ errors: [ConfigError]) { self.errors = errors }

  /// One problem per line.
  public var description: String { errors.map(\.description).joined(separator: "\n") }
}
