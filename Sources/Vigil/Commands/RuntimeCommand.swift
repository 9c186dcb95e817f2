import VigilCore
import VigilCron
import VigilNet
import VigilRuntime

/// `vigil runtime`: the one entry point of the container image and the FaaS `bootstrap`; the mode comes from
/// the environment.
enum RuntimeCommand: Command {
  static let name = "runtime"
  static let summary = "serve a FaaS platform (AWS Lambda, Tencent SCF, SCF image) or, with none, schedule"
  static let usage = """
    usage: vigil runtime [--config FILE] [--state STORE] [--image] [--port 9000] [--host 0.0.0.0]

    Picks its mode from the environment:
      AWS_LAMBDA_RUNTIME_API set   the Lambda Runtime API loop (next / response / error; init/error on a bad
                                   start); request id, deadline, function ARN and trace id from each invocation
      SCF_RUNTIME_API set          Tencent SCF's Custom Runtime loop (init/ready, then next / response / error);
                                   context from SCF_FUNCTIONNAME, SCF_NAMESPACE, TENCENTCLOUD_REGION…
      --image, or VIGIL_RUNTIME=scf-image
                                   an SCF image function: HTTP on 0.0.0.0:9000, POST /event-invoke, context from
                                   the X-Scf-* headers
      none of these                `vigil schedule` (one long-running process, every timer trigger)
    The function served is VIGIL_FUNCTION, else _HANDLER, else the platform's function name
    (`vigil-prod-website-status` matches `website-status`), else the only function. serverless.yml is --config,
    $VIGIL_CONFIG, $LAMBDA_TASK_ROOT/serverless.yml, or ./serverless.yml. On a platform the state folder
    defaults to /tmp/vigil (the only writable place on Lambda and SCF).

    options:
    \(configOptionHelp)
    \(stateOptionHelp(fallback: "/tmp/vigil"))
      --image            serve SCF's image-function protocol
      --port PORT        port for --image (default 9000)
      --host ADDRESS     address for --image (default 0.0.0.0, as SCF requires)
    """

  static func run(_ raw: [String]) async throws -> Int32 {
    guard
      let arguments = try parse(
        raw, valued: ["config", "state", "state-dir", "port", "host"], flagNames: ["image"])
    else { return ExitCode.success }
    let env = environment
    let sink = try logSink(command: name)
    let logger = Logger(sink: sink, metadata: ["component": "runtime"])
    if let api = env["AWS_LAMBDA_RUNTIME_API"], !api.isEmpty {
      let runtime = LambdaRuntime(api: api, logger: logger)
      let started: (LocalInvoker, String)
      do {
        started = try start(arguments, sink: sink)
      } catch {
        logger.error("init failed", ["error": "\(error)"])
        await runtime.reportInitError(type: "InitError", message: "\(error)")
        return ExitCode.failure
      }
      logger.info("serving the Lambda Runtime API", ["function": started.1, "api": api])
      do { try await runtime.run(function: started.1, invoker: started.0) } catch {
        logger.error("runtime loop ended", ["error": "\(error)"])
        return ExitCode.failure
      }
      return ExitCode.success
    }
    if let host = env["SCF_RUNTIME_API"], !host.isEmpty {
      let runtime = SCFRuntime(host: host, port: env["SCF_RUNTIME_API_PORT"] ?? "9001", logger: logger)
      let started: (LocalInvoker, String)
      do {
        started = try start(arguments, sink: sink)
        try await runtime.ready()
      } catch {
        // SCF has no init-error call: the log line and the exit status are what its console shows.
        logger.error("init failed", ["error": "\(error)"])
        return ExitCode.failure
      }
      logger.info("serving SCF's Custom Runtime API", ["function": started.1, "api": "\(host)"])
      do { try await runtime.run(function: started.1, invoker: started.0) } catch {
        logger.error("runtime loop ended", ["error": "\(error)"])
        return ExitCode.failure
      }
      return ExitCode.success
    }
    if arguments.flags.contains("image") || env["VIGIL_RUNTIME"] == "scf-image" {
      return try await serveImage(arguments, sink: sink, logger: logger)
    }
    logger.info("no FaaS runtime API in the environment: running the scheduler", [:])
    return try await ScheduleCommand.run(raw)
  }

  /// The project and the function to serve; throws what an init error reports.
  static func start(_ arguments: Arguments, sink: any LogSink) throws -> (LocalInvoker, String) {
    let project = try loadPlatformProject(arguments)
    let function = try FunctionSelection.select(in: project.config, environment: project.environment)
    let state = try openState(arguments, project: project, fallback: "/tmp/vigil", command: name)
    return (LocalInvoker(project: project, state: state, sink: sink), function)
  }

  static func loadPlatformProject(_ arguments: Arguments) throws -> Project {
    if arguments.options["config"] == nil, environment["VIGIL_CONFIG"] == nil,
      let root = environment["LAMBDA_TASK_ROOT"],
      FileSystem.exists("\(root)/serverless.yml")
    {
      return try Project.load(path: "\(root)/serverless.yml", environment: environment)
    }
    return try loadProject(arguments)
  }

  static func serveImage(_ arguments: Arguments, sink: any LogSink, logger: Logger) async throws -> Int32 {
    let portText = arguments.options["port"] ?? "9000"
    guard let port = Int(portText), (0...65535).contains(port) else {
      throw Arguments.UsageError(command: name, message: "--port must be 0-65535, found '\(portText)'")
    }
    let project = try loadPlatformProject(arguments)
    let function = try? FunctionSelection.select(in: project.config, environment: project.environment)
    let state = try openState(arguments, project: project, fallback: "/tmp/vigil", command: name)
    let frontend = SCFImageFrontend(
      invoker: LocalInvoker(project: project, state: state, sink: sink), defaultFunction: function)
    let host = arguments.options["host"] ?? "0.0.0.0"
    let server: HTTPServer
    do {
      server = try HTTPServer(host: host, port: port, limits: SCFImageFrontend.limits) { request in
        await frontend.respond(request)
      }
    } catch let error as HTTPServerError {
      Output.err("error: \(error)")
      return ExitCode.usage
    }
    logger.info(
      "serving SCF image invocations",
      ["address": "http://\(host):\(server.port)", "function": function ?? "(X-Scf-Name)"])
    let stop = await StopSignals.next()
    logger.info("signal received: finishing invocations in flight", ["signal": stop])
    return await server.stop(grace: 10) ? ExitCode.success : ExitCode.failure
  }
}
