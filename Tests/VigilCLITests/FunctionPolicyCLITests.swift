import Foundation
import TestSupport
import Testing

/// A function's own alerting keys and the project's routes through the real binary: a function that names its
/// channels (or a target that does) is alerted there, the others where the first matching route says (by their
/// labels); `vigil validate
/// --explain` shows each setting with where it comes from, and the routes that can apply.
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
            shop-hook: {type: webhook, url: '\(base)/hook/ok/\(tag)/shop', secret: '${env:HOOK_SECRET}'}
          routes:
            - match: {labels: {team: shop}}
              channels: [shop-hook]
            - channels: [ops-hook]
          alerting:
            channels: [ops-hook]
            recoverAfter: 2
            escalation: [0s, 10m]
      functions:
        shop:
          handler: website-status
          timeout: 60
          labels: {team: shop}
        web:
          handler: website-status
          timeout: 60
        orders:
          handler: website-status
          timeout: 60
      """,
      files: [
        "functions/shop/config.yml": "targets:\n  - {name: shop-home, url: '\(down)'}\n",
        "functions/web/config.yml": """
        targets:
          - {name: web-home, url: '\(down)'}
          - {name: web-pay, url: '\(down)', alerting: {channels: [data-hook]}}
        """,
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
    for function in ["shop", "web", "orders"] {
      let run = try await vigil(["invoke", function], in: folder, environment: env)
      #expect(run.status == 0, "\(function): \(run.stderr)")
    }
    // Each hook got the alerts of the targets it is for, one message per invocation: the shop's by its route,
    // web's home page by the default route, and web's payment page with the orders API where they say.
    let targets = ["shop-home", "web-home", "web-pay", "orders-api"]
    for (hook, expected) in [
      ("shop", [["shop-home"]]), ("ops", [["web-home"]]), ("data", [["web-pay"], ["orders-api"]]),
    ] {
      let received = try await WebhookTestPeer.requests(prefix: "/hook/ok/\(tag)/\(hook)")
      let mentioned = received.map { request in
        let body = request["body"] as? String ?? ""
        return targets.filter { body.contains($0) }
      }
      #expect(mentioned == expected, "\(hook): \(mentioned)")
    }
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
    #expect(line("recoverAfter").hasSuffix("project serverless.yml:13:7"), "\(run.stdout)")
    // Neither names it.
    #expect(
      line("trigger").contains("the first failure") && line("trigger").hasSuffix("default"), "\(run.stdout)")
    #expect(
      line("repeatEvery").contains("never") && line("repeatEvery").hasSuffix("default"), "\(run.stdout)")
    #expect(line("routes:").contains("not used (the function names its own channels)"), "\(run.stdout)")
    #expect(lines.last == "serverless.yml: OK (3 functions)", "\(run.stdout)")

    let shop = try await vigil(
      ["validate", "--explain", "shop"], in: folder, environment: ["HOOK_SECRET": "x"])
    #expect(shop.status == 0, "\(shop.stderr)")
    let routes = shop.stdout.split(separator: "\n").map(String.init).drop { !$0.hasPrefix("  routes (") }
    #expect(
      Array(routes.dropFirst().prefix(2)) == [
        "    #1 every alert → shop-hook  (serverless.yml:8:9)",
        "    #2 every alert → ops-hook  (serverless.yml:10:9)",
      ], "\(shop.stdout)")

    let unknown = try await vigil(["validate", "--explain", "billing"], in: folder)
    #expect(unknown.status == 2)
    #expect(
      unknown.stderr.contains("no function 'billing'") && unknown.stderr.contains("shop, web, orders"),
      "\(unknown.stderr)")
  }

  /// A project whose alerting does not read is one problem, not one per function, and it hides no function's
  /// own problems.
  @Test func aBrokenProjectAlertingIsReportedOnceBesideEachFunctionsProblems() async throws {
    let folder = try makeProject(
      """
      custom:
        vigil:
          alerting:
            channels: [pager]
      functions:
        shop:
          handler: website-status
        web:
          handler: website-status
      """,
      files: [
        "functions/shop/config.yml": "targets:\n  - {name: a, url: 'http://127.0.0.1:9/', colour: red}\n",
        "functions/web/config.yml":
          "targets:\n  - {name: b, url: 'http://127.0.0.1:9/'}\nalerting: {recoverAfter: 2}\n",
      ])
    let run = try await vigil(["validate"], in: folder)
    #expect(run.status == 2)
    let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
    #expect(errors.filter { $0.contains("no channel named 'pager'") }.count == 1, "\(run.stderr)")
    #expect(
      errors.contains { $0.contains("functions/shop/config.yml:2:") && $0.contains("colour") },
      "\(run.stderr)")
    #expect(errors.count == 2, "\(run.stderr)")
  }
}
