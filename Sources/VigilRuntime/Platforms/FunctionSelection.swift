import VigilCore

/// Which function of serverless.yml a FaaS process serves: `VIGIL_FUNCTION`, else `_HANDLER`, else the
/// platform's function name (`AWS_LAMBDA_FUNCTION_NAME`, `SCF_FUNCTIONNAME`). A platform name such as
/// `vigil-prod-website-status` (Serverless Framework's `service-stage-function`) matches `website-status`.
package enum FunctionSelection {
  package struct Failure: Error, Sendable, CustomStringConvertible {
    package var description: String
  }

  package static func select(in config: ServerlessConfig, environment: [String: String]) throws(Failure)
    -> String
  {
    let names = config.allFunctionNames
    let sources = ["VIGIL_FUNCTION", "_HANDLER", "AWS_LAMBDA_FUNCTION_NAME", "SCF_FUNCTIONNAME"]
    for source in sources {
      guard let wanted = environment[source], !wanted.isEmpty else { continue }
      if let found = match(wanted, names: names, config: config) { return found }
      if source == "VIGIL_FUNCTION" {
        throw Failure(
          description:
            "VIGIL_FUNCTION=\(wanted) names no function of \(config.file) (functions: \(names.joined(separator: ", ")))"
        )
      }
    }
    if names.count == 1, let only = names.first { return only }
    let seen = sources.compactMap { source in environment[source].map { "\(source)=\($0)" } }
    throw Failure(
      description:
        "cannot tell which function to serve (\(seen.isEmpty ? "no VIGIL_FUNCTION, _HANDLER or platform function name set" : seen.joined(separator: ", "))); functions: \(names.joined(separator: ", ")). Set VIGIL_FUNCTION."
    )
  }

  static func match(_ wanted: String, names: [String], config: ServerlessConfig) -> String? {
    if names.contains(wanted) { return wanted }
    // `_HANDLER` may carry a handler name used by exactly one function.
    let byHandler = config.functions.filter { $0.handler == wanted }
    if byHandler.count == 1, let only = byHandler.first { return only.name }
    // `service-stage-name`: the longest function name the platform name ends with, after a '-'.
    return names.filter { wanted.hasSuffix("-" + $0) }.max { $0.count < $1.count }
  }
}
