import VigilCore

#if canImport(Glibc)
  import Glibc
#endif
/// `exec`'s configuration (`functions/<name>/config.yml`): commands in any language, one per target.
///
/// ```yaml
/// protocol: nagios            # or json; each target may set its own
/// timeout: 10s                # per command, 0.1 s - 1 h (the process group is killed at it)
/// maxOutputBytes: 65536       # kept of each of stdout and stderr, 1 KiB - 16 MiB
/// targets:
///   - name: web-port
///     command: [check_tcp, -H, 127.0.0.1, -p, '8080']   # argv; no shell
///   - name: backups
///     command: 'ls /backups | grep -q today'            # a string runs under /bin/sh -c, only with shell: true
///     shell: true
///     directory: /var/backups
///     environment: {TOKEN: '${env:BACKUP_TOKEN}'}
/// ```
package struct ExecConfig: Sendable, Equatable {
  package enum OutputProtocol: String, Sendable, Equatable, Codable {
    /// Exit status 0-3 and a line of text with performance data (monitoring-plugins, Nagios).
    case nagios
    /// The event JSON on standard input, a JSON answer on standard output.
    case json
  }

  package struct Target: Sendable, Equatable {
    package var name: String
    /// The argv run: the program resolved to a path when the configuration was read.
    package var arguments: [String]
    package var directory: String
    package var environment: [String: String]
    package var timeout: Double
    package var outputProtocol: OutputProtocol
  }

  package var targets: [Target]
  package var maxOutputBytes: Int

  /// Folders searched for a bare program name after `PATH`: where Debian's monitoring-plugins live.
  static let pluginFolders = ["/usr/lib/nagios/plugins", "/usr/lib/monitoring-plugins"]

  /// Reads the file; the folder holding it is where relative commands and directories start.
  package static func read(_ root: ConfigValue?, environment: [String: String]) throws(ConfigError)
    -> ExecConfig
  {
    guard let root else {
      throw ConfigError(
        SourceMark(file: "config.yml", line: 1, column: 1),
        "exec needs functions/<name>/config.yml with a 'targets' list of commands")
    }
    let fields = try root.mapping(allowed: ["protocol", "timeout", "maxOutputBytes", "targets"])
    let folder = NSStringPath(path: root.mark.file).deletingLastPathComponent
    let defaultProtocol = try readProtocol(fields.optional("protocol")) ?? .nagios
    let defaultTimeout = try fields.optional("timeout")?.duration(within: 0.1...3600) ?? 10
    let maxOutput = try fields.optional("maxOutputBytes")?.int(within: 1024...(16 << 20)) ?? 65536
    let list = try fields.required("targets")
    var targets: [Target] = []
    for item in try list.list() {
      let entry = try item.mapping(allowed: [
        "name", "command", "shell", "directory", "environment", "timeout", "protocol",
      ])
      let nameValue = try entry.required("name")
      let name = try nameValue.string()
      guard !name.isEmpty, name.count <= 128, !name.contains(where: \.isNewline) else {
        throw nameValue.error("a target name is 1-128 characters on one line")
      }
      guard !targets.contains(where: { $0.name == name }) else {
        throw nameValue.error("target '\(name.excerpt())' is listed twice")
      }
      let shell = try entry.optional("shell")?.bool() ?? false
      let commandValue = try entry.required("command")
      var arguments: [String]
      if shell {
        guard !commandValue.isList else {
          throw commandValue.error("with shell: true, command is one string for /bin/sh -c")
        }
        arguments = ["/bin/sh", "-c", try commandValue.string()]
      } else {
        guard commandValue.isList else {
          throw commandValue.error(
            "command must be a list (argv: [program, arg, ...]); a string runs under a shell only with shell: true"
          )
        }
        arguments = try commandValue.stringList()
        guard let program = arguments.first, !program.isEmpty, let first = try commandValue.list().first
        else {
          throw commandValue.error("command is empty: give the program first")
        }
        arguments[0] = try resolve(program, at: first, folder: folder, environment: environment)
      }
      var directory = folder.isEmpty ? "." : folder
      if let value = entry.optional("directory") {
        let text = try value.string()
        let path = text.hasPrefix("/") ? text : NSStringPath(path: directory).appendingPathComponent(text)
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
          throw value.error("directory \(value.shown(text)) is not a folder")
        }
        directory = path
      }
      targets.append(
        Target(
          name: name, arguments: arguments, directory: directory,
          environment: try entry.optional("environment")?.stringMap() ?? [:],
          timeout: try entry.optional("timeout")?.duration(within: 0.1...3600) ?? defaultTimeout,
          outputProtocol: try readProtocol(entry.optional("protocol")) ?? defaultProtocol))
    }
    guard !targets.isEmpty else { throw list.error("list at least one target") }
    return ExecConfig(targets: targets, maxOutputBytes: maxOutput)
  }

  static func readProtocol(_ value: ConfigValue?) throws(ConfigError) -> OutputProtocol? {
    guard let value else { return nil }
    let text = try value.string()
    guard let parsed = OutputProtocol(rawValue: text) else {
      throw value.error("protocol must be nagios or json, found \(value.shown(text))")
    }
    return parsed
  }

  /// The program's path: as given when it has a `/` (relative to the configuration's folder), else the first
  /// executable of that name on PATH or in the plugin folders. A missing or non-executable one is an error here,
  /// not at the first run.
  static func resolve(_ program: String, at value: ConfigValue, folder: String, environment: [String: String])
    throws(ConfigError) -> String
  {
    if program.contains("/") {
      let relative = program.hasPrefix("./") ? String(program.dropFirst(2)) : program
      let path =
        program.hasPrefix("/") ? program : NSStringPath(path: folder).appendingPathComponent(relative)
      guard access(path, F_OK) == 0 else {
        throw value.error("command '\(path.excerpt(120))' does not exist")
      }
      guard access(path, X_OK) == 0 else {
        throw value.error("command '\(path.excerpt(120))' is not executable")
      }
      return path
    }
    let path =
      environment["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? getenv("PATH").map { String(cString: $0) }
      ?? "/usr/local/bin:/usr/bin:/bin"
    let folders = path.split(separator: ":").map(String.init) + pluginFolders
    for candidate in folders.map({ "\($0)/\(program)" }) where access(candidate, X_OK) == 0 {
      return candidate
    }
    throw value.error(
      "command '\(program.excerpt())' is not on PATH or in \(pluginFolders.joined(separator: ", ")) (Debian: apt-get install monitoring-plugins-basic)"
    )
  }
}
