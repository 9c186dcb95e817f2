import VigilCron

#if canImport(Glibc)
  import Glibc
#endif

/// The Serverless Components forms of `serverless.yml`, read into the same model as the Framework form:
///
/// - v1 (the seed articles' file): one or more top-level components,
///   `MyWebMonitor: {component: "@serverless/tencent-scf", inputs: {name, codeUri, handler, runtime, region,
///   memorySize, timeout, environment, events: [timer: {name, parameters: {cronExpression, enable}}]}}`;
/// - v2 (today's Tencent tooling): `component: scf`, `name`, `app`, `stage`, `inputs: {src, handler, …,
///   events: [timer: {parameters: {name, cronExpression, enable}}]}`.
///
/// A Python entry point (`handler: index.main_handler`, `runtime: Python3.x`) runs through the SCF adapter
/// (`scf_adapter.py` next to the code, `exec` with `protocol: json`) when both files exist; otherwise the
/// error says how to point it at a Vigil handler.
extension ServerlessConfig {
  /// The keys of a v1 component's or a v2 file's `inputs` beyond a Framework function's.
  static let componentInputKeys = [
    "name", "codeUri", "src", "role", "vpcConfig", "layers", "tags", "publish", "eip", "cls",
    "asyncRunEnable",
    "installDependency", "type", "qualifier", "exclude", "image",
  ]

  /// The configuration as Components v1 or v2, or nil when it is in the Framework form.
  static func parseComponents(_ root: ConfigValue, file: String, directory: String) throws(ConfigError)
    -> ServerlessConfig?
  {
    guard case .mapping(let entries) = root.node.kind, !entries.contains(where: { $0.key == "functions" })
    else { return nil }
    let provider = try readProvider(nil)
    var functions: [FunctionSpec] = []
    var invalid: [(String, ConfigError)] = []
    var service = "vigil"
    var vigil = try readVigilSettings(nil)
    if entries.contains(where: { $0.key == "component" }) {
      // v2: the whole file is one component.
      let top = try root.mapping(allowed: ["component", "name", "app", "stage", "org", "inputs", "custom"])
      let component = try top.required("component")
      guard try component.string() == "scf" else {
        throw component.error(
          "component \(component.shown(try component.string())) is not an SCF function; Vigil reads 'component: scf' (or the v1 '@serverless/tencent-scf')"
        )
      }
      let name = try top.required("name").string()
      service = try top.optional("app")?.string() ?? name
      var variables = ["name": name, "stage": try top.optional("stage")?.string() ?? "dev", "app": service]
      if let org = try top.optional("org")?.string() { variables["org"] = org }
      vigil = try readVigilSettings(top.optional("custom"))
      let inputs = try top.required("inputs")
      do throws(ConfigError) {
        functions.append(
          try componentFunction(
            fallbackName: name, mark: component.mark, inputs: inputs, provider: provider,
            directory: directory,
            variables: variables))
      } catch {
        invalid.append((name, error))
      }
    } else {
      // v1: every top-level key is a component (custom: holds Vigil's own settings).
      let looksLikeComponents = entries.contains { entry in
        if case .mapping(let fields) = entry.value.kind { return fields.contains { $0.key == "component" } }
        return false
      }
      guard looksLikeComponents else { return nil }
      for entry in entries {
        let value = ConfigValue(entry.value, path: entry.key, substitution: root.substitution)
        if entry.key == "custom" {
          vigil = try readVigilSettings(value)
          continue
        }
        let fields = try value.mapping(allowed: ["component", "inputs"])
        let component = try fields.required("component")
        guard try component.string() == "@serverless/tencent-scf" else {
          throw component.error(
            "component \(component.shown(try component.string())) is not an SCF function; Vigil reads '@serverless/tencent-scf' components"
          )
        }
        do throws(ConfigError) {
          functions.append(
            try componentFunction(
              fallbackName: entry.key, mark: entry.keyMark, inputs: try fields.required("inputs"),
              provider: provider, directory: directory))
        } catch {
          invalid.append((entry.key, error))
        }
      }
    }
    return ServerlessConfig(
      file: file, service: service, provider: provider, functions: functions, invalidFunctions: invalid,
      vigil: vigil, functionsDirectory: directory.isEmpty ? "functions" : directory + "/functions")
  }

  /// One SCF function from a component's `inputs`.
  static func componentFunction(
    fallbackName: String, mark: SourceMark, inputs: ConfigValue, provider: Provider, directory: String,
    variables: [String: String] = [:]
  ) throws(ConfigError) -> FunctionSpec {
    let fields = try inputs.mapping(allowed: functionKeys + componentInputKeys)
    let name =
      try fields.optional("name").map { value throws(ConfigError) in
        try componentName(value, variables: variables)
      } ?? fallbackName
    var function = try readFunction(
      name: name, mark: mark, value: inputs, provider: provider, extraKeys: componentInputKeys)
    let runtime = try fields.optional("runtime")?.string() ?? ""
    let handlerValue = try fields.required("handler")
    guard function.handler.contains(".") else { return function }
    // A platform entry point (`index.main_handler`), not a Vigil handler name.
    let codeUri = try fields.optional("codeUri")?.string()
    let src = try fields.optional("src")?.string()
    let code = codeUri ?? src ?? "./"
    let codeFolder = NSStringPath(path: directory.isEmpty ? "." : directory).appendingPathComponent(
      code.hasPrefix("./") ? String(code.dropFirst(2)) : code)
    let folder = codeFolder.hasSuffix("/") ? String(codeFolder.dropLast()) : codeFolder
    let parts = function.handler.split(separator: ".")
    let module = parts.dropLast().joined(separator: "/")
    guard runtime.lowercased().hasPrefix("python"), parts.count >= 2 else {
      throw handlerValue.error(
        "handler '\(function.handler.excerpt())' is a \(runtime.isEmpty ? "platform" : runtime) entry point, not a Vigil handler: set handler: to one (website-status, exec, …; 'vigil list' shows them)"
      )
    }
    let source = "\(folder)/\(module).py"
    guard access(source, R_OK) == 0 else {
      throw handlerValue.error(
        "handler '\(function.handler.excerpt())' (\(runtime)) needs \(source), which does not exist: put the function's code there, or set handler: to a Vigil handler (website-status, exec, …)"
      )
    }
    guard access("\(folder)/scf_adapter.py", R_OK) == 0 else {
      throw handlerValue.error(
        "handler '\(function.handler.excerpt())' (\(runtime)) runs under Vigil through scf_adapter.py: copy functions/scf-python-status/scf_adapter.py from Vigil next to \(source)"
      )
    }
    let timeout = max(1, function.timeout - 1)
    // The variables serverless.yml gives the function reach its code, as on SCF.
    func quoted(_ text: String) -> String {
      "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }
    // (A component has no provider section, so the function's environment is what its inputs declare.)
    var declared = ""
    if !function.environment.isEmpty {
      declared =
        "\n    environment:\n"
        + function.environment.sorted { $0.key < $1.key }
        .map { "      \(quoted($0.key)): \(quoted($0.value))" }.joined(separator: "\n")
    }
    function.generatedConfiguration = (
      file: "\(folder)/(generated from \(NSStringPath(path: mark.file).lastPathComponent) for \(name))",
      text: """
      protocol: json
      targets:
        - name: \(name)
          command: [python3, scf_adapter.py, \(quoted(function.handler))]
          timeout: \(timeout)s\(declared)
      """
    )
    function.handler = "exec"
    return function
  }

  /// v2's `name: ${name}-${stage}-${app}`: the file's own variables first, then `${env:…}` as everywhere.
  static func componentName(_ value: ConfigValue, variables: [String: String]) throws(ConfigError) -> String {
    guard case .scalar(let raw, _) = value.node.kind, raw.includes("${") else { return try value.string() }
    var text = raw
    for (key, replacement) in variables { text = text.replacingEvery("${\(key)}", with: replacement) }
    return text.includes("${") ? try value.string() : text
  }
}
