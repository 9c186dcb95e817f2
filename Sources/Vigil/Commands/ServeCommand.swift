import VigilCore
import VigilRuntime

/// `vigil serve`: a local API-gateway emulator for the functions with `apigw` endpoints.
enum ServeCommand: Command {
  static let name = "serve"
  static let summary = "answer HTTP requests as an API gateway would, for functions with apigw events"
  static let usage = """
    usage: vigil serve [--port 8080] [--host 127.0.0.1] [--config FILE] [--state STORE] [--grace SECONDS]

    Maps each HTTP request to an API-gateway event (SCF's shape: httpMethod, path, headers, queryString,
    pathParameters, body, requestContext.sourceIp) for the function whose apigw endpoint matches, as
    serverless-offline does, and answers with the function's statusCode, headers and body. A function error
    is 502, a timeout 504, an unknown path 404, a wrong method 405.

    A small HTTP/1.1 server: keep-alive, at most 16 KB of request head and 1 MB of body, the head within 10 s
    (slow clients are cut off with 408), the body within 30 s, idle connections closed after 15 s, 1024
    connections at most (503 beyond), chunked bodies refused (411). SIGTERM or SIGINT stops accepting and lets
    requests in flight finish within the grace period. The project is read once; it is read again when
    serverless.yml or a function's config.yml changes (checked every second) or on SIGHUP, and a reload that
    fails (a YAML error, no endpoint left) keeps the previous project serving and logs why. The state store is
    chosen at start. A folder store commits writes in groups: the reports in flight share each syncfs, and
    none is answered before it is durable. Logs go to standard error: JSON lines, or readable text
    on a terminal (VIGIL_LOG_FORMAT=json|text chooses).

    options:
    \(configOptionHelp)
      --port PORT        port to listen on (default 8080; 0 picks a free one, printed in the log)
      --host ADDRESS     IPv4 address to bind (default 127.0.0.1; 0.0.0.0 for every interface)
    \(stateOptionHelp(fallback: ".vigil"))
      --grace SECONDS    time requests in flight get after a stop, 0s-1h (default 10)
      --head-timeout S   time a client gets to send a request head, 1ms-10m (default 10)
    """

  static func run(_ raw: [String]) async throws -> Int32 {
    guard
      let arguments = try parse(
        raw, valued: ["config", "state", "state-dir", "port", "host", "grace", "head-timeout"])
    else { return ExitCode.success }
    guard arguments.positionals.isEmpty else {
      throw Arguments.UsageError(command: name, message: "unexpected argument '\(arguments.positionals[0])'")
    }
    let portText = arguments.options["port"] ?? "8080"
    guard let port = Int(portText), (0...65535).contains(port) else {
      throw Arguments.UsageError(command: name, message: "--port must be 0-65535, found '\(portText)'")
    }
    let grace = try arguments.seconds("grace", command: name, within: 0...3_600) ?? 10
    let project = try loadProject(arguments)
    // A folder store commits in groups here: many reports at once share each fsync.
    let state = try openState(
      arguments, project: project, fallback: ".vigil", command: name, groupCommit: true)
    let sink = try logSink(command: name)
    let logger = Logger(sink: sink, metadata: ["component": "serve"])
    let served = ServedProject(
      initial: project, load: { try loadProject(arguments) },
      serve: { project in GatewayFrontend(invoker: LocalInvoker(project: project, state: state, sink: sink)) }
    )
    let frontend = served.frontend
    guard !frontend.router.routes.isEmpty else {
      Output.err("error: no function in \(project.config.file) has an apigw endpoint; nothing to serve")
      return ExitCode.usage
    }
    let host = arguments.options["host"] ?? "127.0.0.1"
    let server: HTTPServer
    do {
      var limits = HTTPServer.Limits()
      if let seconds = try arguments.seconds("head-timeout", command: name, within: 0.001...600) {
        limits.headTimeout = seconds
      }
      server = try HTTPServer(host: host, port: port, limits: limits) { request in
        await served.frontend.respond(request)
      }
    } catch let error as HTTPServerError {
      Output.err("error: \(error)")
      return ExitCode.usage
    }
    for route in frontend.router.routes {
      logger.info("route", ["method": route.method, "path": route.template, "function": route.function])
    }
    logger.info("listening", ["address": "http://\(host):\(server.port)"])
    let reloading = ProjectReloading(served: served, logger: logger)
    let stop = await StopSignals.next()
    reloading.stop()
    logger.info("signal received: no new connections; finishing requests in flight", ["signal": stop])
    let finished = await server.stop(grace: grace)
    logger.info(finished ? "stopped" : "stopped with requests still in flight", [:])
    return finished ? ExitCode.success : ExitCode.failure
  }
}
