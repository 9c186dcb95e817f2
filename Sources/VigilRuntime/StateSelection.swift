import VigilCore
import VigilNet

/// Which state store a command uses, and where that choice was made (so an error names the place):
/// `--state`, then `--state-dir`, then `VIGIL_STATE`, then `VIGIL_STATE_DIR`, then `custom.vigil.state` or
/// `custom.vigil.stateDir`, then the command's default folder. A value is a folder, `memory`, or a store URL:
/// `redis[s]://[user:password@]host[:port][/db][?prefix=…&ca_file=…]` or `s3://bucket/prefix?region=…&endpoint=…`.
package struct StateSelection: Sendable {
  /// Where the choice was made.
  package enum Origin: Sendable, Hashable, CustomStringConvertible {
    case option(String)
    case environment(String)
    case configuration(SourceMark)
    case fallback

    package var description: String {
      switch self {
      case .option(let name): return "--\(name)"
      case .environment(let name): return name
      case .configuration(let mark): return "\(mark): custom.vigil.state"
      case .fallback: return "the default state folder"
      }
    }
  }

  package var spec: String
  package var origin: Origin
  /// Where an object store's credentials come from.
  package var environment: [String: String]

  package init(spec: String, origin: Origin, environment: [String: String] = [:]) {
    self.spec = spec
    self.origin = origin
    self.environment = environment
  }

  /// The selection for a command with these options (`state`, `state-dir`), environment and settings.
  package static func resolve(
    options: [String: String], environment: [String: String], settings: ServerlessConfig.VigilSettings,
    fallback: String
  ) throws(StateSelectionError) -> StateSelection {
    var selection = try choose(
      options: options, environment: environment, settings: settings, fallback: fallback)
    selection.environment = environment
    return selection
  }

  static func choose(
    options: [String: String], environment: [String: String], settings: ServerlessConfig.VigilSettings,
    fallback: String
  ) throws(StateSelectionError) -> StateSelection {
    if options["state"] != nil, options["state-dir"] != nil {
      throw StateSelectionError(message: "give --state or --state-dir, not both (--state takes a folder too)")
    }
    if let spec = options["state"] { return StateSelection(spec: spec, origin: .option("state")) }
    if let spec = options["state-dir"] { return StateSelection(spec: spec, origin: .option("state-dir")) }
    if let spec = environment["VIGIL_STATE"], !spec.isEmpty {
      return StateSelection(spec: spec, origin: .environment("VIGIL_STATE"))
    }
    if let spec = environment["VIGIL_STATE_DIR"], !spec.isEmpty {
      return StateSelection(spec: spec, origin: .environment("VIGIL_STATE_DIR"))
    }
    if let spec = settings.state {
      return StateSelection(
        spec: spec, origin: settings.stateMark.map { .configuration($0) } ?? .option("custom.vigil.state"))
    }
    if let spec = settings.stateDirectory { return StateSelection(spec: spec, origin: .fallback) }
    return StateSelection(spec: fallback, origin: .fallback)
  }

  /// What kind of store the value names.
  package enum Kind: Sendable {
    case folder(String)
    case memory
    case redis(RedisStateSettings)
    case s3(S3StateSettings)
  }

  /// The store the value names, its shape checked (nothing is connected or created).
  package func kind() throws(StateSelectionError) -> Kind {
    if spec == "memory" { return .memory }
    guard let scheme = Self.scheme(of: spec) else {
      if spec.hasPrefix("file:") {
        throw problem("write a folder as a path (/var/lib/vigil), not a file: URL")
      }
      return .folder(spec)
    }
    switch scheme {
    case "redis", "rediss":
      do {
        return .redis(try RedisStateSettings(url: spec))
      } catch {
        throw problem(error.message)
      }
    case "s3":
      do {
        return .s3(try S3StateSettings(url: spec, environment: environment))
      } catch {
        throw problem(error.message)
      }
    case "cos":
      throw problem(
        "write Tencent COS as s3://bucket/prefix?region=ap-guangzhou&endpoint=https://cos.ap-guangzhou.myqcloud.com"
      )
    default:
      throw problem(
        "'\(scheme)://' is not a state store Vigil knows: give a folder, memory, or redis://host:port")
    }
  }

  /// Opens the store: a folder is created, a Redis store is reached on first use. `groupCommit` makes a
  /// folder's writes share their fsyncs (`vigil serve`); the other stores have none of their own.
  package func open(groupCommit: Bool = false) throws -> any StateStore {
    switch try kind() {
    case .folder(let path): return try FileStateStore(root: path, groupCommit: groupCommit)
    case .memory: return InMemoryStateStore()
    case .redis(let settings):
      if let password = settings.password { Redactor.shared.register(password) }
      return RedisStateStore(settings: settings)
    case .s3(let settings):
      Redactor.shared.register(settings.signer.secretKey)
      if let token = settings.signer.sessionToken { Redactor.shared.register(token) }
      let store = S3StateStore(settings: settings)
      return settings.createOnlyWrites ? CreateOnlyCASStore(base: store) : store
    }
  }

  /// The value as shown: a URL's password masked.
  package var shown: String { Self.scheme(of: spec) == nil ? spec : StateURL.masked(spec) }

  private func problem(_ message: String) -> StateSelectionError {
    var mark: SourceMark?
    if case .configuration(let place) = origin { mark = place }
    return StateSelectionError(message: "\(origin): \(message)", mark: mark, detail: message)
  }

  /// The lowercased scheme of `text` when it is a URL (`name://…`), else nil.
  static func scheme(of text: String) -> String? {
    guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else { return nil }
    let scheme = text[..<colon]
    guard !scheme.isEmpty, scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+") })
    else { return nil }
    return scheme.lowercased()
  }
}

/// A state setting that cannot be used, naming where it was given (and, from serverless.yml, the place).
package struct StateSelectionError: Error, Sendable, CustomStringConvertible {
  /// The whole message, where the setting was given first.
  package var message: String
  package var mark: SourceMark?
  /// What is wrong, without the place.
  package var detail: String
  package var description: String { message }
  package init(message: String, mark: SourceMark? = nil, detail: String? = nil) {
    self.message = message
    self.mark = mark
    self.detail = detail ?? message
  }

  /// As a configuration error at its place in serverless.yml, when it has one.
  package var located: (any Error) {
    mark.map { ConfigError($0, "custom.vigil.state: \(detail)") } ?? self
  }
}
