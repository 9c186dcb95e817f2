import Foundation
import TestSupport
import Testing

/// serverless.yml in the Serverless Components forms: v1 (the seed articles' `@serverless/tencent-scf`) and
/// v2 (`component: scf`), read into the same model, with a Python `main_handler` run through the SCF adapter.
@Suite struct ServerlessComponentsCLITests {
  /// The seed article's file, as it was written.
  static let seed = """
    MyWebMonitor:
      component: "@serverless/tencent-scf"
      inputs:
        name: MyWebMonitor
        codeUri: ./
        handler: index.main_handler
        runtime: Python3.6
        region: ap-guangzhou
        memorySize: 128
        timeout: 30
        events:
          - timer:
              name: timer
              parameters:
                cronExpression: '*/5 * * * *'
                enable: true
    """

  /// The shipped seed-style function and its adapter, as a component's code.
  func pythonFiles(in folder: String = "") throws -> [String: String] {
    let root = RepositoryPaths.root + "/functions/scf-python-status/"
    return [
      folder + "index.py": try String(contentsOfFile: root + "index.py", encoding: .utf8),
      folder + "scf_adapter.py": try String(contentsOfFile: root + "scf_adapter.py", encoding: .utf8),
    ]
  }

  @Test func theSeedArticlesFileValidatesListsItsTimerAndRunsThroughTheAdapter() async throws {
    let folder = try makeProject(Self.seed, files: try pythonFiles())
    let validated = try await vigil(["validate"], in: folder)
    #expect(validated.status == 0, "\(validated.stderr)")
    #expect(validated.stdout.contains("serverless.yml: OK (1 functions)"))
    let listed = try await vigil(["list", "--now", "2026-12-03T10:02:00+08:00"], in: folder)
    #expect(
      listed.stdout.contains("MyWebMonitor  handler=exec [available]  timeout=30s  memory=128MB"),
      "\(listed.stdout)")
    #expect(
      listed.stdout.contains(
        "timer timer  '*/5 * * * *'  tz=Asia/Shanghai  next=2026-12-03T10:05:00+08:00  (every 5 minutes)"),
      "\(listed.stdout)")
    // The file declares no URL: index.py checks its default, http://127.0.0.1:8080/, through the adapter
    // (up or down depends on what listens there; the summary is main_handler's either way).
    let run = try await vigil(["invoke", "MyWebMonitor"], in: folder)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("\"protocol\" : \"json\""), "\(run.stdout)")
    #expect(run.stdout.contains("\"summary\" : \"MyWebMonitor: http://127.0.0.1:8080/ "), "\(run.stdout)")
  }

  @Test func aComponentsV2FileValidatesWithItsOwnVariablesAndEnvironment() async throws {
    let folder = try makeProject(
      """
      app: orders
      stage: dev
      component: scf
      name: webmonitor
      inputs:
        name: ${name}-${stage}-${app}
        src: ./src
        handler: index.main_handler
        runtime: Python3.9
        region: ap-guangzhou
        memorySize: 64
        timeout: 20
        environment:
          variables: {URL: '${env:STATUS_URL}'}
        events:
          - timer:
              parameters:
                name: every-5
                cronExpression: '0 */5 * * * * *'
                enable: true
      """, files: try pythonFiles(in: "src/"))
    let closed = "http://127.0.0.1:\(unusedLoopbackPort())/"
    let listed = try await vigil(
      ["list", "--now", "2026-12-03T10:02:00+08:00"], in: folder, environment: ["STATUS_URL": closed])
    #expect(
      listed.stdout.contains("webmonitor-dev-orders  handler=exec [available]  timeout=20s  memory=64MB"),
      "\(listed.stdout)\(listed.stderr)")
    #expect(listed.stdout.contains("timer every-5  '0 */5 * * * * *'"), "\(listed.stdout)")
    let run = try await vigil(
      ["invoke", "webmonitor-dev-orders"], in: folder, environment: ["STATUS_URL": closed])
    #expect(
      run.stdout.contains("\(closed) unreachable"),
      "the variables of serverless.yml reach the code: \(run.stdout)")
  }

  @Test func mistakesInBothFormsAreLocated() async throws {
    let badMemory = try makeProject(
      Self.seed.replacingOccurrences(of: "memorySize: 128", with: "memorySize: lots"),
      files: try pythonFiles())
    let memory = try await vigil(["validate"], in: badMemory)
    #expect(memory.status == 2)
    #expect(memory.stderr.contains("serverless.yml:9:17: "), "\(memory.stderr)")
    let noCode = try makeProject(Self.seed)
    let missing = try await vigil(["validate"], in: noCode)
    #expect(
      missing.stderr.contains(
        "serverless.yml:6:14: handler 'index.main_handler' (Python3.6) needs ./index.py, which does not exist"
      ),
      "\(missing.stderr)")
    let other = try makeProject(
      Self.seed.replacingOccurrences(
        of: "\"@serverless/tencent-scf\"", with: "\"@serverless/tencent-website\""))
    let component = try await vigil(["validate"], in: other)
    #expect(
      component.stderr.contains(
        "serverless.yml:2:14: component '@serverless/tencent-website' is not an SCF function"),
      "\(component.stderr)")
    let typo = try makeProject(
      "component: scf\nname: w\ninputs:\n  handler: website-status\n  timout: 20\n")
    let unknown = try await vigil(["validate"], in: typo)
    #expect(unknown.status == 2)
    #expect(unknown.stderr.contains("serverless.yml:5:3: "), "\(unknown.stderr)")
    #expect(unknown.stderr.contains("timout"), "\(unknown.stderr)")
  }
}
