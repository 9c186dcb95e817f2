import Foundation
import TestSupport
import Testing

/// A function's own alerting keys through the real binary: its alerts go where it says, the others' where the
/// project says; `vigil validate --explain` shows each setting with where it comes from.
@Suite struct FunctionPolicyCLITests {
  func project(tag: String) async throws -> String {
    let base = try await WebhookTestPeer.base()
    let down = "http://127.0.0.1:\(unusedLoopbackPort())/"
    return try makeProject(
      """
      custom:
        vigil:
          channels:
            ops-hook: {type: webhook, url: '\(base)/hook/ok/\(tag)/ops', secret: '${env:HOOK_SECRET}'}
            data-hook: {type: webhook, url: '\(base)/hook/ok/\(tag)/data', secret: '${env:HOOK_SECRET}'}
          alerting:
            channels: [ops-hook]
            recoverAfter: 2
            escalation: [0s, 10m]
      functions:
        shop:
          handler: website-status
          timeout: 60
        orders:
          handler: website-status
          timeout: 60
      """,
      files: [
        "functions/shop/config.yml": "targets:\n  - {name: shop-home, url: '\(down)'}\n",
        "functions/orders/config.yml": """
        targets:
          - {name: orders-api, url: '\(down)'}
        alerting:
          channels: [data-hook]
          escalation: [0s, 5m]
        """,
      ])
  }

  @Test func eachFunctionsAlertGoesWhereItsPolicySays() async throws {
    let tag = UUID().uuidString
    let folder = try await project(tag: tag)
    let env = ["HOOK_SECRET": WebhookTestPeer.secret]
    for function in ["shop", "orders"] {
      let run = try await vigil(["invoke", function], in: folder, environment: env)
      #expect(run.status == 0, "\(function): \(run.stderr)")
    }
    let ops = try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)/ops")
    let data = try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)/data")
    #expect(ops.count == 1 && data.count == 1, "ops: \(ops), data: \(data)")
    let opsBody = ops.first?["body"] as? String ?? ""
    let dataBody = data.first?["body"] as? String ?? ""
    #expect(opsBody.contains("shop-home") && !opsBody.contains("orders-api"), "\(opsBody)")
    #expect(dataBody.contains("orders-api") && !dataBody.contains("shop-home"), "\(dataBody)")
  }

  @Test func explainShowsEachSettingAndWhereItComesFrom() async throws {
    let folder = try await project(tag: UUID().uuidString)
    let run = try await vigil(
      ["validate", "--explain", "orders"], in: folder, environment: ["HOOK_SECRET": "x"])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdout.split(separator: "\n").map(String.init)
    func line(_ key: String) -> String { lines.first { $0.hasPrefix("  \(key) ") } ?? "" }
    #expect(lines.first == "orders: the alerting policy its alerts follow", "\(run.stdout)")
    // The function's own keys, at their place in its config.yml.
    #expect(line("channels").contains("data-hook"), "\(run.stdout)")
    #expect(line("channels").hasSuffix("function functions/orders/config.yml:4:3"), "\(run.stdout)")
    #expect(line("escalation").contains("at 0s, 5m"), "\(run.stdout)")
    #expect(
      line("escalation").hasSuffix("function functions/orders/config.yml:5:3"), "\(run.stdout)")
    // The project's, at theirs in serverless.yml.
    #expect(line("recoverAfter").contains("2 healthy samples in a row"), "\(run.stdout)")
    #expect(line("recoverAfter").hasSuffix("project serverless.yml:8:7"), "\(run.stdout)")
    // Neither names it.
    #expect(
      line("trigger").contains("the first failure") && line("trigger").hasSuffix("default"), "\(run.stdout)")
    #expect(
      line("repeatEvery").contains("never") && line("repeatEvery").hasSuffix("default"), "\(run.stdout)")
    #expect(lines.last == "serverless.yml: OK (2 functions)", "\(run.stdout)")

    let unknown = try await vigil(["validate", "--explain", "billing"], in: folder)
    #expect(unknown.status == 2)
    #expect(
      unknown.stderr.contains("no function 'billing'") && unknown.stderr.contains("shop, orders"),
      "\(unknown.stderr)")
  }
}
