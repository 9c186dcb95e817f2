import VigilAlerting
import VigilCore
import VigilCron

/// A command line split into positionals and `--option value` / `--flag` pairs, checked against what the
/// command declares, with errors that say what to type.
struct Arguments {
  var positionals: [String] = []
  var options: [String: String] = [:]
  var flags: Set<String> = []

  /// A usage problem: the message and the command whose help to show.
  struct UsageError: Error, CustomStringConvertible {
    var command: String
    var message: String
    var description: String { "\(message)\nRun 'vigil \(command) --help' for usage." }
  }

  /// Parses `arguments`; `valued` options take a value, `flagNames` do not.
  init(_ arguments: [String], command: String, valued: [String], flagNames: [String] = []) throws(UsageError)
  {
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      if argument == "--" {
        positionals.append(contentsOf: arguments[(index + 1)...])
        break
      }
      if argument.hasPrefix("--") && argument.count > 2 {
        var name = String(argument.dropFirst(2))
        var inlineValue: String?
        if let equals = name.firstIndex(of: "=") {
          inlineValue = String(name[name.index(after: equals)...])
          name = String(name[..<equals])
        }
        if valued.contains(name) {
          if let inlineValue {
            options[name] = inlineValue
          } else {
            guard index + 1 < arguments.count else {
              throw UsageError(command: command, message: "option '--\(name)' needs a value")
            }
            options[name] = arguments[index + 1]
            index += 1
          }
        } else if flagNames.contains(name) || name == "help" {
          flags.insert(name)
        } else {
          let known = (valued + flagNames + ["help"]).map { "--\($0)" }
          var message = "unknown option '--\(name)' for 'vigil \(command)'"
          if let guess = Arguments.closest(name, in: valued + flagNames) {
            message += " (did you mean '--\(guess)'?)"
          }
          message += "; it takes: \(known.joined(separator: ", "))"
          throw UsageError(command: command, message: message)
        }
      } else if argument == "-h" {
        flags.insert("help")
      } else {
        positionals.append(argument)
      }
      index += 1
    }
  }

  static func closest(_ word: String, in candidates: [String]) -> String? {
    candidates.min { distance(word, $0) < distance(word, $1) }.flatMap { distance(word, $0) <= 2 ? $0 : nil }
  }

  static func distance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty else { return b.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
      var next = [i] + Array(repeating: 0, count: b.count)
      for j in stride(from: 1, through: b.count, by: 1) {
        next[j] = min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      row = next
    }
    return row[b.count]
  }
}

extension Arguments {
  /// The seconds given to `--option` (a number, or a duration such as `30s`, `5m`), which must lie within
  /// `range`; nil when the option is absent.
  func seconds(_ option: String, command: String, within range: ClosedRange<Double>) throws -> Double? {
    guard let text = options[option] else { return nil }
    guard let value = ConfigValue.parseDuration(text), range.contains(value) else {
      throw Arguments.UsageError(
        command: command,
        message:
          "--\(option) must be between \(ConfigValue.describe(seconds: range.lowerBound)) and \(ConfigValue.describe(seconds: range.upperBound)) (seconds, or a duration like 30s), found '\(text.excerpt())'"
      )
    }
    return value
  }
}

extension Arguments {
  /// `--by` (default $USER, else "cli") and `--comment`, bounded as notices and the store keep them.
  func authorship(command: String) throws -> (by: String, comment: String?) {
    let by = options["by"] ?? ProcessEnvironment.current["USER"] ?? "cli"
    guard (1...Acknowledgement.maxName).contains(by.utf8.count) else {
      throw Arguments.UsageError(command: command, message: "--by must be 1-\(Acknowledgement.maxName) bytes")
    }
    let comment = options["comment"]
    if let comment, comment.utf8.count > Acknowledgement.maxComment {
      throw Arguments.UsageError(
        command: command, message: "--comment must be at most \(Acknowledgement.maxComment) bytes")
    }
    return (by, comment)
  }
}
