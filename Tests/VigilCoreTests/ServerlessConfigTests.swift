import Testing

@testable import VigilCore

@Suite struct ServerlessConfigTests {
  let valid = """
    service: vigil
    provider:
      name: tencent
      region: ${env:REGION, ap-shanghai}
      timeout: 30
      memorySize: 64
      environment:
        variables:
          SHARED: one
    custom:
      vigil:
        timezone: America/New_York
        stateDir: /tmp/state
    functions:
      web:
        handler: website-status
        timeout: 5
        environment:
          variables:
            TOKEN: ${env:WEB_TOKEN}
        events:
          - timer:
              name: fast
              parameters:
                cronExpression: '*/5 * * * * * *'
                enable: false
                argument: hello
                timezone: Europe/London
          - apigw:
              name: api
              parameters:
                endpoints:
                  - path: /heartbeat
                    method: post
      quiet:
        handler: echo
    """

  func load(_ text: String, env: [String: String] = ["WEB_TOKEN": "s3cret-token"]) throws(ConfigError)
    -> ServerlessConfig
  {
    try ServerlessConfig.parse(text, file: "serverless.yml", directory: "/proj", environment: env)
  }

  /// A value that came from `${env:…}` and is wrong is named by its reference, never quoted: it may be a
  /// secret put in the wrong place.
  @Test(arguments: [
    ("    timeout: ${env:WEB_TOKEN}\n", "'functions.web.timeout' must be a duration"),
    ("    memorySize: ${env:WEB_TOKEN}\n", "must be an integer"),
    ("    timeout: 'x${env:WEB_TOKEN}'\n", "must be a duration"),
  ])
  func aBadValueFromTheEnvironmentIsNamedNotQuoted(line: String, message: String) throws {
    let config = try load("functions:\n  web:\n    handler: echo\n" + line)
    let error = try #require(config.invalidFunctions.first { $0.name == "web" }?.error)
    #expect(error.message.contains(message), "\(error)")
    #expect(!error.description.contains("s3cret-token"), "\(error)")
    #expect(error.message.contains("the value of '"), "\(error)")
    #expect(error.message.contains("${env:WEB_TOKEN}") && error.message.contains("(not shown)"), "\(error)")
    // The same mistake typed in directly is quoted, so the operator sees it.
    let typed = try load("functions:\n  web:\n    handler: echo\n    timeout: soon\n")
    let plain = try #require(typed.invalidFunctions.first?.error)
    #expect(plain.message.hasSuffix("found 'soon'"), "\(plain)")
  }

  @Test func readsFunctionsTriggersAndDefaults() throws {
    let config = try load(valid)
    #expect(config.service == "vigil")
    #expect(config.provider.region == "ap-shanghai")
    #expect(config.vigil.timezone == "America/New_York")
    #expect(config.vigil.stateDirectory == "/tmp/state")
    #expect(config.functionsDirectory == "/proj/functions")
    let web = try #require(config.function(named: "web"))
    #expect(web.handler == "website-status")
    #expect(web.timeout == 5)
    #expect(web.memorySize == 64)
    #expect(web.environment == ["SHARED": "one", "TOKEN": "s3cret-token"])
    #expect(web.timers.count == 1)
    #expect(web.timers[0].name == "fast")
    #expect(web.timers[0].cronExpression == "*/5 * * * * * *")
    #expect(web.timers[0].cronMark == SourceMark(file: "serverless.yml", line: 25, column: 29))
    #expect(web.timers[0].enabled == false)
    #expect(web.timers[0].argument == "hello")
    #expect(web.timers[0].timezone == "Europe/London")
    #expect(web.routes.map { "\($0.method) \($0.path)" } == ["POST /heartbeat"])
    let quiet = try #require(config.function(named: "quiet"))
    #expect(quiet.timeout == 30)
    #expect(quiet.timers.isEmpty)
    #expect(config.allFunctionNames == ["web", "quiet"])
  }

  @Test func missingEnvironmentVariableSpoilsOnlyItsFunction() throws {
    let config = try load(valid, env: [:])
    #expect(config.function(named: "quiet") != nil)
    #expect(config.function(named: "web") == nil)
    let problem = try #require(config.invalidFunctions.first)
    #expect(problem.name == "web")
    #expect(problem.error.mark == SourceMark(file: "serverless.yml", line: 20, column: 16))
    #expect(problem.error.message.contains("environment variable WEB_TOKEN is not set"))
  }

  /// A replacement inside the valid file, and where and what the error must say.
  @Test(
    arguments: [
      (
        "  timeout: 30\n", "  timout: 30\n", 5, 3,
        "unknown key 'timout' in 'serverless.yml.provider' (did you mean 'timeout'?)"
      ),
      ("    timeout: 5\n", "    timeout: abc\n", 17, 14, "must be a duration"),
      ("  memorySize: 64\n", "  memorySize: 8\n", 6, 15, "between 16 and 65536"),
      ("        enable: false\n", "        enable: maybe\n", 26, 21, "must be true or false, found 'maybe'"),
      ("  - apigw:\n", "  - cos:\n", 29, 9, "unsupported event type 'cos'"),
      ("    handler: echo", "    handlr: echo", 36, 5, "unknown key 'handlr'"),
      ("                method: post\n", "                method: FETCH\n", 34, 25, "method must be one of"),
      ("timezone: America/New_York\n", "timezone: [a, b]\n", 12, 15, "must be a string, found a list"),
      ("  region: ${env:REGION, ap-shanghai}\n", "  region: ${opt:region}\n", 4, 11, "only '${env:NAME}'"),
    ] as [(String, String, Int, Int, String)])
  func badValuesNameTheirPlace(original: String, replacement: String, line: Int, column: Int, message: String)
    throws
  {
    #expect(valid.contains(original), "test setup: '\(original)' not in the sample")
    let text = valid.replacing(original, with: replacement)
    var found: ConfigError?
    do {
      let config = try load(text)
      found = config.invalidFunctions.first?.error
    } catch {
      found = error
    }
    let error = try #require(found, "no error for \(replacement)")
    #expect(error.mark.line == line, "\(error)")
    #expect(error.mark.column == column, "\(error)")
    #expect(error.message.contains(message), "\(error)")
  }

  @Test func missingFunctionsAndEmptyFile() throws {
    let empty = try #require(throws: ConfigError.self) { try load("") }
    #expect(empty.message.contains("the file is empty"))
    let noFunctions = try #require(throws: ConfigError.self) { try load("service: x\n") }
    #expect(noFunctions.message.contains("missing the required key 'functions'"))
    let missingHandler = try load("functions:\n  a:\n    timeout: 3\n")
    #expect(
      missingHandler.invalidFunctions.first?.error.message.contains("missing the required key 'handler'")
        == true)
    #expect(missingHandler.invalidFunctions.first?.error.mark.line == 3)
  }
}
