import Foundation
import Synchronization
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The status page served by `vigil serve` from a folder store seeded with history in its documented format
/// (hour documents of points, day documents of hourly summaries, the incident log): a target down for two
/// hours yesterday, one flapping (every third run down), one healthy in two regions. Every expected figure is
/// counted here from the seed plan, not read back from the code.
@Suite(.serialized) struct StatusPageCLITests {
  static let serverless = """
    service: status-test
    functions:
      status-page:
        handler: status-page
        timeout: 60   # a debug build on a loaded machine reads 20 targets' day of points slowly
        events:
          - apigw:
              parameters:
                endpoints:
                  - {path: /status, method: GET}
                  - {path: '/status/{path+}', method: GET}
    """

  /// What the seed wrote, for the expectations.
  struct Seed {
    var now: Int
    var yesterday: Int
    /// Runs per target and region in the hour documents, and the down ones.
    var runs: [String: Int] = [:]
    var down: [String: Int] = [:]
    /// Runs and down runs of each target yesterday (UTC).
    var runsYesterday: [String: Int] = [:]
    var downYesterday: [String: Int] = [:]
    /// Runs in the day documents (all up).
    var summarisedRuns = 0
    /// Whether each target's latest run saw it up.
    var latestUp: [String: Bool] = [:]
  }

  /// Writes 10-minute runs from yesterday's start until now, and four earlier days as day summaries.
  static func seed(_ state: String) throws -> Seed {
    let now = Int(Date().timeIntervalSince1970)
    let today = now - now % 86_400
    var seed = Seed(now: now, yesterday: today - 86_400)
    let phases: [String: Double] = ["dns": 5, "connect": 10, "tls": 20, "ttfb": 40, "transfer": 5]
    var hours: [String: [Int: [String: [Any]]]] = [:]  // region -> hour -> target -> points
    var index = 0
    for time in stride(from: seed.yesterday, through: now, by: 600) {
      let hour = time - time % 3600
      let inYesterday = time < today
      func add(_ target: String, region: String, up: Bool, scale: Double) {
        var figures: [String: Double] = [:]
        if up {
          for (name, value) in phases { figures[name] = value * scale }
          figures["total"] = 80 * scale
          figures["status"] = 200
          if target == "home" { figures["certExpiry"] = 1_900_000_000 }
        } else {
          figures["status"] = 503
        }
        hours[region, default: [:]][hour, default: [:]][target, default: []].append(
          [time, up ? 1 : 0, figures] as [Any])
        let key = "\(target)@\(region)"
        seed.latestUp[key] = up
        seed.runs[key, default: 0] += 1
        if !up { seed.down[key, default: 0] += 1 }
        if inYesterday {
          seed.runsYesterday[key, default: 0] += 1
          if !up { seed.downYesterday[key, default: 0] += 1 }
        }
      }
      let apiDown = time >= seed.yesterday + 10 * 3600 && time < seed.yesterday + 12 * 3600
      add("api", region: "ap-guangzhou", up: !apiDown, scale: 1)
      add("flaky", region: "ap-guangzhou", up: index % 3 != 0, scale: 1)
      add("home", region: "ap-guangzhou", up: true, scale: 1)
      add("home", region: "ap-shanghai", up: true, scale: 1.5)
      index += 1
    }
    let base = state + "/history/web"
    for (region, byHour) in hours {
      try FileManager.default.createDirectory(atPath: base + "/" + region, withIntermediateDirectories: true)
      for (hour, targets) in byHour {
        let document: [String: Any] = ["hour": hour, "targets": targets]
        try JSONSerialization.data(withJSONObject: document).write(
          to: URL(fileURLWithPath: base + "/\(region)/hour-\(stamp(hour, hours: true)).json"))
      }
    }
    // Days 2-5 back: every hour summarised, six runs an hour, all up, 80 ms.
    for back in 2...5 {
      let day = today - back * 86_400
      let starts = (0..<24).map { day + $0 * 3600 }
      let targets = ["api", "flaky", "home"].reduce(into: [String: [[Any]]]()) { result, target in
        result[target] = starts.map { [$0, 6, 6, 480.0, 6, 80.0] as [Any] }
      }
      seed.summarisedRuns += 24 * 6
      let document: [String: Any] = ["day": day, "hours": starts, "targets": targets]
      try JSONSerialization.data(withJSONObject: document).write(
        to: URL(fileURLWithPath: base + "/ap-guangzhou/day-\(stamp(day, hours: false)).json"))
    }
    // The incident of yesterday's outage, resolved, with its notices and deliveries.
    let opened = seed.yesterday + 10 * 3600
    let resolved = seed.yesterday + 12 * 3600
    let incidents: [String: Any] = [
      "notifications": ["ops-mail": ["delivered": 2, "retrying": 1]],
      "incidents": [
        [
          "id": "web/website-status/api#\(opened)", "key": "web/website-status/api",
          "check": "website-status",
          "target": "api", "severity": "critical", "opened": opened, "resolved": resolved,
          "summary": "api answered HTTP 200 again",
          "timeline": [
            [opened + 1200, "firing", "api answered HTTP 503 <three times>"],
            [resolved + 600, "resolved", "api answered HTTP 200 again"],
          ],
          "deliveries": [
            [opened + 1200, "ops-mail", "retrying", "firing"],
            [opened + 1260, "ops-mail", "delivered", "firing"],
            [resolved + 600, "ops-mail", "delivered", "resolved"],
          ],
        ] as [String: Any]
      ],
    ]
    try JSONSerialization.data(withJSONObject: incidents).write(
      to: URL(fileURLWithPath: base + "/incidents.json"))
    return seed
  }

  static func stamp(_ seconds: Int, hours: Bool) -> String {
    let formatter = DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = hours ? "yyyyMMddHH" : "yyyyMMdd"
    return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
  }

  /// One GET: status, headers, body.
  static func get(_ url: String, headers: [String: String] = [:]) async throws -> (
    Int, [String: String], Data
  ) {
    var request = URLRequest(url: try #require(URL(string: url)), timeoutInterval: 30)
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = try #require(response as? HTTPURLResponse)
    var fields: [String: String] = [:]
    for (name, value) in http.allHeaderFields {
      if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
    }
    return (http.statusCode, fields, data)
  }

  /// Headless chromium on `arguments`, its standard output; only loopback resolves, nothing persists.
  static func chromium(_ arguments: [String]) async throws -> Data {
    let profile = NSTemporaryDirectory() + "vigil-chromium-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: profile) }
    return try await runToEnd(
      [
        "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
        "--disable-background-networking", "--disable-sync", "--disable-component-update",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--user-data-dir=\(profile)",
        "--hide-scrollbars",
      ] + arguments, checked: true)
  }

  /// `share` as the page prints it: two decimals, rounded down, `100%` only when nothing was down.
  static func percent(_ up: Int, of runs: Int) -> String {
    if up == runs { return "100%" }
    let hundredths = up * 10_000 / runs
    let text = String(format: "%d.%02d", hundredths / 100, hundredths % 100)
    var trimmed = Substring(text)
    while trimmed.hasSuffix("0") { trimmed = trimmed.dropLast() }
    if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
    return trimmed + "%"
  }

  /// The `<article>` of one target.
  static func article(_ html: String, _ target: String) throws -> String {
    let start = try #require(html.range(of: "<article class=\"target"), "no targets")
    let rest = html[start.lowerBound...]
    let marker = "data-target=\"\(target)\""
    let begin = try #require(rest.range(of: marker), "no article for \(target)")
    let end = try #require(rest[begin.upperBound...].range(of: "</article>"))
    return String(rest[begin.lowerBound..<end.upperBound])
  }

  static func uptime(_ article: String, _ window: String) -> String? {
    guard let range = article.range(of: "data-window=\"\(window)\">") else { return nil }
    return String(article[range.upperBound...].prefix { $0 != "<" })
  }

  @Test func thePageAPIAndBadgesShowTheSeededHistory() async throws {
    let project = try makeProject(Self.serverless)
    let state = project + "/state"
    let seed = try await offPool { try Self.seed(state) }
    let serve = try ScheduleProcess(arguments: ["serve", "--port", "0", "--state", state], in: project)
    defer { serve.process.terminate() }
    #expect(await serve.waitFor("listening"), "\(serve.messages)")
    let address = try #require(
      serve.records.first { $0["msg"] as? String == "listening" }?["address"] as? String)
    let base = "\(address)/status"

    let (status, headers, body) = try await Self.get(base)
    #expect(status == 200)
    #expect(headers["content-type"] == "text/html; charset=utf-8")
    let html = String(decoding: body, as: UTF8.self)
    // The yesterday's outage is over and home is up: flaky's latest run decides the headline.
    let overall = seed.latestUp["flaky@ap-guangzhou"] == true ? "up" : "down"
    #expect(html.contains("<p id=\"overall\" class=\"banner s-\(overall)\">"))

    // 7 d, 30 d and 90 d hold every seeded run: the day summaries (all up) and the points.
    let summarised = seed.summarisedRuns
    for (target, region) in [("api", "ap-guangzhou"), ("flaky", "ap-guangzhou")] {
      let key = "\(target)@\(region)"
      let runs = (seed.runs[key] ?? 0) + summarised
      let up = runs - (seed.down[key] ?? 0)
      let article = try Self.article(html, target)
      for window in ["7d", "30d", "90d"] {
        #expect(Self.uptime(article, window) == Self.percent(up, of: runs), "\(target) \(window)")
      }
    }
    // Healthy in both regions: 100% everywhere, and each region's own row with its latest latency.
    let home = try Self.article(html, "home")
    for window in ["24h", "7d", "30d", "90d"] { #expect(Self.uptime(home, window) == "100%") }
    #expect(home.contains("data-region=\"ap-guangzhou\"><td><span class=\"dot\"></span>ap-guangzhou</td>"))
    #expect(home.contains("<td>80 ms</td>"), "guangzhou's latest total")
    #expect(home.contains("<td>120 ms</td>"), "shanghai's latest total")

    // The daily strip: yesterday's bar is the api's share of yesterday; the four summarised days are full.
    let api = try Self.article(html, "api")
    let daily = try #require(api.range(of: "data-daily=\"")).upperBound
    let shares = api[daily...].prefix { $0 != "\"" }.split(separator: ",", omittingEmptySubsequences: false)
    #expect(shares.count == 90)
    let runsYesterday = seed.runsYesterday["api@ap-guangzhou"] ?? 0
    let downYesterday = seed.downYesterday["api@ap-guangzhou"] ?? 0
    #expect(downYesterday == 12, "two hours of 10-minute runs")
    let expectedYesterday = Double(runsYesterday - downYesterday) / Double(runsYesterday) * 100
    #expect(abs((Double(String(shares[88])) ?? -1) - expectedYesterday) < 0.01, "\(shares[88])")
    #expect(shares[84...87].allSatisfy { $0 == "100" }, "\(shares[84...87])")
    #expect(shares[0..<84].allSatisfy { $0.isEmpty })
    #expect(api.contains("class=\"d-down\""), "yesterday's bar is red (under 95%)")

    // The chart: every run of the last 24 h in the primary region, stacked by phase, scaled to the slowest.
    let chart = try #require(home.range(of: "<svg viewBox=\"0 0 480 100\""))
    let chartTag = home[chart.lowerBound...].prefix { $0 != ">" }
    #expect(chartTag.contains("data-region=\"ap-guangzhou\""))
    #expect(chartTag.contains("data-max=\"80\""), "\(chartTag)")
    for phase in ["dns", "connect", "tls", "ttfb", "transfer"] {
      #expect(home.contains("<polygon class=\"p-\(phase)\""), "\(phase)")
    }
    let runsDrawn = try #require(
      chartTag.range(of: "data-runs=\"").map { Int(chartTag[$0.upperBound...].prefix { $0 != "\"" }) ?? -1 })
    // The chart's 24 hours end at the half hour after now.
    let chartStart = (seed.now / 1800 + 1) * 1800 - 86_400
    let expectedRuns = stride(from: seed.yesterday, through: seed.now, by: 600).count { $0 > chartStart }
    #expect(runsDrawn == expectedRuns)

    // The incident with its timeline and deliveries, escaped.
    #expect(html.contains("data-incident=\"web/website-status/api#"))
    #expect(html.contains("api answered HTTP 503 &lt;three times&gt;"))
    #expect(html.contains("ops-mail alert sent retrying"))
    #expect(html.contains("(2 h)"), "opened to resolved")

    // No request to anything but itself: no URL, no script, no external stylesheet or image.
    #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"))
    #expect(!html.contains("src=") && !html.contains("<link"))

    // The same page in a real browser (Debian's chromium, headless): its DOM carries the figures, and it
    // renders at 375 and 1440 px. Every host but loopback resolves to nothing, so a request elsewhere fails.
    let dom = String(decoding: try await Self.chromium(["--dump-dom", base]), as: UTF8.self)
    let domAPI = try Self.article(dom, "api")
    let apiRuns = (seed.runs["api@ap-guangzhou"] ?? 0) + summarised
    #expect(Self.uptime(domAPI, "7d") == Self.percent(apiRuns - 12, of: apiRuns), "\(domAPI.prefix(600))")
    #expect(dom.contains("api answered HTTP 503 &lt;three times&gt;"))
    #expect(try Self.article(dom, "home").contains("<polygon class=\"p-ttfb\""))
    let shots = ProcessInfo.processInfo.environment["VIGIL_SCREENSHOTS"] ?? (project + "/shots")
    try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
    for (name, width, height) in [("status-page-mobile", 375, 2400), ("status-page-desktop", 1440, 1500)] {
      let file = shots + "/\(name).png"
      _ = try await Self.chromium(["--screenshot=\(file)", "--window-size=\(width),\(height)", base])
      let png = try Data(contentsOf: URL(fileURLWithPath: file))
      // The PNG header's width field (bytes 16-19, big-endian).
      #expect(png.count > 24 && png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
      let pngWidth = png.count > 24 ? png[16..<20].reduce(0) { $0 << 8 | Int($1) } : 0
      #expect(pngWidth == width, "\(name)")
    }

    // Chinese by query and by Accept-Language.
    let (_, zhHeaders, zhBody) = try await Self.get(base + "?lang=zh")
    #expect(zhHeaders["content-language"] == "zh")
    #expect(String(decoding: zhBody, as: UTF8.self).contains(overall == "up" ? "所有服务运行正常" : "部分服务出现故障"))
    let (_, _, acceptBody) = try await Self.get(base, headers: ["Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"])
    #expect(String(decoding: acceptBody, as: UTF8.self).contains("<html lang=\"zh\">"))

    // The JSON API: the same figures.
    let (apiStatus, _, apiBody) = try await Self.get(base + "/api/status")
    #expect(apiStatus == 200)
    let json = try #require(try JSONSerialization.jsonObject(with: apiBody) as? [String: Any])
    #expect(json["state"] as? String == overall)
    let functions = try #require(json["functions"] as? [[String: Any]])
    let targets = try #require(functions.first?["targets"] as? [[String: Any]])
    #expect(targets.map { $0["target"] as? String } == ["api", "flaky", "home"])
    let flaky = try #require(targets.first { $0["target"] as? String == "flaky" })
    let flakyRuns = (seed.runs["flaky@ap-guangzhou"] ?? 0) + summarised
    let flakyUp = flakyRuns - (seed.down["flaky@ap-guangzhou"] ?? 0)
    let week = try #require((flaky["uptime"] as? [String: Any])?["7d"] as? Double)
    #expect(abs(week - Double(flakyUp) / Double(flakyRuns)) < 1e-6)
    let (historyStatus, _, historyBody) = try await Self.get(base + "/api/history/web/home")
    #expect(historyStatus == 200)
    let history = try #require(try JSONSerialization.jsonObject(with: historyBody) as? [String: Any])
    let regions = try #require(history["regions"] as? [[String: Any]])
    #expect(regions.map { $0["region"] as? String } == ["ap-guangzhou", "ap-shanghai"])
    #expect((regions.last?["points"] as? [Any])?.count == seed.runs["home@ap-shanghai"])
    let (missing, _, missingBody) = try await Self.get(base + "/api/history/web/nowhere")
    #expect(missing == 404)
    #expect(String(decoding: missingBody, as: UTF8.self).contains("no history for target 'nowhere' of 'web'"))

    // Badges.
    let (badgeStatus, badgeHeaders, badge) = try await Self.get(base + "/badge/web/home.svg")
    #expect(badgeStatus == 200)
    #expect(badgeHeaders["content-type"] == "image/svg+xml")
    #expect(String(decoding: badge, as: UTF8.self).contains("<title>home: up</title>"))
    let (_, _, uptimeBadge) = try await Self.get(base + "/badge/web/flaky.svg?uptime=7d")
    #expect(
      String(decoding: uptimeBadge, as: UTF8.self).contains(
        "<title>flaky 7d: \(Self.percent(flakyUp, of: flakyRuns))</title>"))
    let (unknownWindow, _, _) = try await Self.get(base + "/badge/web/flaky.svg?uptime=1y")
    #expect(unknownWindow == 400)
  }

  /// `/metrics` from the same history plus a Kafka function: blackbox_exporter's and kafka_exporter's names with
  /// the seeded figures, Vigil's own counters; `promtool check metrics` accepts it, and Debian's Prometheus
  /// scrapes it from `vigil serve` and answers a PromQL query for probe_success.
  @Test func metricsPassPromtoolAndARealPrometheusScrapesThem() async throws {
    let project = try makeProject(Self.serverless)
    let state = project + "/state"
    let seed = try await offPool { try Self.seed(state) }
    let hour = seed.now - seed.now % 3600
    try FileManager.default.createDirectory(
      atPath: state + "/history/orders-lag/local", withIntermediateDirectories: true)
    let kafka: [String: Any] = [
      "hour": hour,
      "targets": [
        "billing-consumers": [
          [seed.now - 30, 1, ["value": 15, "lag:orders:0": 10, "lag:orders:1": 5]] as [Any]
        ]
      ],
    ]
    try JSONSerialization.data(withJSONObject: kafka).write(
      to: URL(fileURLWithPath: state + "/history/orders-lag/local/hour-\(Self.stamp(hour, hours: true)).json")
    )
    let serve = try ScheduleProcess(arguments: ["serve", "--port", "0", "--state", state], in: project)
    defer { serve.process.terminate() }
    #expect(await serve.waitFor("listening"), "\(serve.messages)")
    let address = try #require(
      serve.records.first { $0["msg"] as? String == "listening" }?["address"] as? String)
    let (status, headers, body) = try await Self.get("\(address)/status/metrics")
    #expect(status == 200)
    #expect(headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
    let text = String(decoding: body, as: UTF8.self)
    let lines = Set(text.split(separator: "\n").map(String.init))
    let api = "function=\"web\",target=\"api\",region=\"ap-guangzhou\""
    let home = "function=\"web\",target=\"home\",region=\"ap-shanghai\""
    for line in [
      "probe_success{\(api)} 1",
      "probe_success{function=\"web\",target=\"flaky\",region=\"ap-guangzhou\"} "
        + (seed.latestUp["flaky@ap-guangzhou"] == true ? "1" : "0"),
      "probe_duration_seconds{\(api)} 0.08", "probe_http_status_code{\(api)} 200",
      "probe_http_duration_seconds{\(api),phase=\"resolve\"} 0.005",
      "probe_http_duration_seconds{\(api),phase=\"processing\"} 0.04",
      "probe_http_duration_seconds{\(home),phase=\"processing\"} 0.06",
      "probe_dns_lookup_time_seconds{\(api)} 0.005", "probe_ssl_earliest_cert_expiry{\(home)} 1900000000",
      "kafka_consumergroup_lag{consumergroup=\"billing-consumers\",topic=\"orders\",partition=\"1\","
        + "function=\"orders-lag\",region=\"local\"} 5",
      "vigil_notifications_total{channel=\"ops-mail\",result=\"delivered\"} 2",
      "vigil_notifications_total{channel=\"ops-mail\",result=\"retrying\"} 1",
      "vigil_incidents_open{function=\"web\"} 0", "vigil_outbox_pending 0",
      "# TYPE probe_success gauge", "# TYPE vigil_notifications_total counter",
    ] {
      #expect(lines.contains(line), "missing: \(line)")
    }
    let file = project + "/metrics.txt"
    try body.write(to: URL(fileURLWithPath: file))
    let lint = try await runToEnd(["sh", "-c", "promtool check metrics < '\(file)' 2>&1"], checked: true)
    #expect(String(decoding: lint, as: UTF8.self).isEmpty, "\(String(decoding: lint, as: UTF8.self))")

    // A real Prometheus scrapes vigil serve every second; the query answers once a scrape has landed.
    let prometheus = try await offPool {
      try PeerProcess([
        "python3", RepositoryPaths.peer("prometheus_peer.py"), "server",
        String(address.dropFirst("http://".count)), "/status/metrics",
        project + "/prometheus",
      ])
    }
    defer { prometheus.stop() }
    let port = try #require(prometheus.values["port"])
    let query = "http://127.0.0.1:\(port)/api/v1/query?query=probe_success%7Btarget%3D%22home%22%7D"
    var results: [[String: Any]] = []
    let deadline = Date().addingTimeInterval(60)
    while results.isEmpty, Date() < deadline {
      let answer = try JSONSerialization.jsonObject(with: try await Self.get(query).2) as? [String: Any]
      results = (answer?["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
      if results.isEmpty { try await Task.sleep(nanoseconds: 200_000_000) }
    }
    #expect(results.count == 2, "one series per region: \(results)")
    let regions = results.compactMap { ($0["metric"] as? [String: String])?["region"] }.sorted()
    #expect(regions == ["ap-guangzhou", "ap-shanghai"])
    #expect(results.allSatisfy { ($0["value"] as? [Any])?.last as? String == "1" })
    #expect(results.allSatisfy { ($0["metric"] as? [String: String])?["job"] == "vigil" })
  }

  /// `custom.vigil.metrics.push`: each run PUTs its figures to Debian's Pushgateway, which exposes them under
  /// the run's function and region; an unreachable gateway is an error line, and the run's alerts still count.
  @Test func eachRunPushesItsFiguresToThePushgateway() async throws {
    let gateway = try await offPool {
      try PeerProcess([
        "python3", RepositoryPaths.peer("prometheus_peer.py"), "pushgateway",
        NSTemporaryDirectory() + "vigil-pushgateway-\(UUID().uuidString)",
      ])
    }
    defer { gateway.stop() }
    let port = try #require(gateway.values["port"])
    let base = try await HTTPTestPeer.httpBase()
    func project(push: String) throws -> String {
      try makeProject(
        """
        custom:
          vigil:
            metrics: {push: '\(push)', job: vigil-test}
        functions:
          web:
            handler: website-status
        """,
        files: ["functions/web/config.yml": "targets:\n  - name: app\n    url: \(base)/ok\n"])
    }
    let run = try await vigil(
      ["invoke", "web", "--region", "ap-test"], in: try project(push: "http://127.0.0.1:\(port)"))
    #expect(run.status == 0, "\(run.stderr)")
    #expect(!run.stderr.contains("METRICS NOT PUSHED"), "\(run.stderr)")
    let (status, _, body) = try await Self.get("http://127.0.0.1:\(port)/metrics")
    #expect(status == 200)
    let exposed = String(decoding: body, as: UTF8.self).split(separator: "\n")
    let success = exposed.first { $0.hasPrefix("probe_success{") }
    #expect(
      success
        == "probe_success{function=\"web\",instance=\"\",job=\"vigil-test\",region=\"ap-test\",target=\"app\"} 1",
      "\(exposed.filter { $0.contains("web") })")
    #expect(exposed.contains { $0.hasPrefix("probe_http_status_code{") && $0.hasSuffix(" 200") })
    #expect(
      exposed.contains { $0.hasPrefix("probe_http_duration_seconds{") && $0.contains("phase=\"processing\"") }
    )

    // Nothing listens on port 9 of loopback: the push fails loudly in the log; the check's run stands.
    let refused = try await vigil(
      ["invoke", "web", "--region", "ap-test"], in: try project(push: "http://127.0.0.1:9"))
    #expect(refused.status == 0, "\(refused.stderr)")
    #expect(
      refused.stderr.contains("METRICS NOT PUSHED: metrics not pushed to http://127.0.0.1:9"),
      "\(refused.stderr)")
    let bad = try await vigil(["validate"], in: try project(push: "ftp://gateway"))
    #expect(bad.status == 2)
    #expect(
      bad.stderr.contains("serverless.yml:3:21: 'metrics.push' must be the Pushgateway's http(s):// URL"),
      "\(bad.stderr)")
  }

  /// The page as a Lambda function: `vigil runtime` under AWS's Runtime Interface Emulator answers an API
  /// Gateway proxy event with the same HTML `vigil serve` sends (the footer's "updated" minute aside), and its
  /// `{proxy+}` path reaches the JSON API.
  @Test func underTheRuntimeEmulatorThePageIsTheSameAsUnderServe() async throws {
    let project = try makeProject(Self.serverless)
    let state = project + "/state"
    _ = try await offPool { try Self.seed(state) }
    let serve = try ScheduleProcess(arguments: ["serve", "--port", "0", "--state", state], in: project)
    defer { serve.process.terminate() }
    #expect(await serve.waitFor("listening"), "\(serve.messages)")
    let address = try #require(
      serve.records.first { $0["msg"] as? String == "listening" }?["address"] as? String)
    func withoutFooter(_ html: String) -> String {
      guard let footer = html.range(of: "<footer>") else { return html }
      return String(html[..<footer.lowerBound])
    }
    let before = withoutFooter(String(decoding: try await Self.get("\(address)/status").2, as: UTF8.self))
    let event: [String: Any] = [
      "resource": "/status", "path": "/status", "httpMethod": "GET",
      "headers": ["Accept-Language": "en-GB,en;q=0.9"], "queryStringParameters": NSNull(),
      "pathParameters": NSNull(), "requestContext": ["stage": "prod", "requestId": "r-1"], "body": NSNull(),
      "isBase64Encoded": false,
    ]
    var apiEvent = event
    apiEvent["path"] = "/status/api/status"
    apiEvent["resource"] = "/status/{proxy+}"
    apiEvent["pathParameters"] = ["proxy": "api/status"]
    let spec: [String: Any] = [
      "bootstrap": [RepositoryPaths.products + "/vigil", "runtime"],
      "env": [
        "AWS_LAMBDA_FUNCTION_NAME": "status-page", "AWS_LAMBDA_FUNCTION_TIMEOUT": "10",
        "VIGIL_CONFIG": project + "/serverless.yml", "VIGIL_STATE": state,
      ],
      "payloads": [event, apiEvent], "cwd": project,
    ]
    let specText = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
    let output = try await runToEnd([
      "python3", RepositoryPaths.root + "/Tests/Support/tools/rie_invoke.py", specText,
    ])
    let json = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
    let answers = json["answers"] as? [[String: Any]] ?? []
    #expect(answers.count == 2, "\(json)")
    func gateway(_ index: Int) throws -> [String: Any] {
      let body = try #require(answers.count > index ? answers[index]["body"] as? String : nil)
      return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }
    let page = try gateway(0)
    #expect(page["statusCode"] as? Int == 200)
    #expect((page["headers"] as? [String: String])?["Content-Type"] == "text/html; charset=utf-8")
    let lambdaHTML = withoutFooter(page["body"] as? String ?? "")
    let after = withoutFooter(String(decoding: try await Self.get("\(address)/status").2, as: UTF8.self))
    // The same bytes as serve's page fetched just before or just after (an hour turning between them aside).
    #expect(lambdaHTML == before || lambdaHTML == after, "the Lambda page differs from vigil serve's")
    #expect(lambdaHTML.contains("data-target=\"api\""))
    let api = try gateway(1)
    #expect(api["statusCode"] as? Int == 200)
    let status = try #require(
      try JSONSerialization.jsonObject(with: Data((api["body"] as? String ?? "").utf8)) as? [String: Any])
    #expect((status["functions"] as? [[String: Any]])?.first?["name"] as? String == "web")
  }

  /// `vigil status` on the same seeded history: plain aligned text through a pipe, colours through a
  /// pseudo-terminal (`script`, util-linux), none there with NO_COLOR; the exit status says whether a target
  /// is down.
  @Test func vigilStatusWithAndWithoutATerminal() async throws {
    let project = try makeProject("functions:\n  web:\n    handler: echo\n")
    let state = project + "/state"
    let seed = try await offPool { try Self.seed(state) }
    let piped = try await vigil(["status", "--state", state], in: project)
    let anyDown = seed.latestUp.values.contains(false)
    #expect(piped.status == (anyDown ? 1 : 0), "\(piped.stderr)")
    #expect(!piped.stdout.contains("\u{1B}["), "no escape codes through a pipe")
    let lines = piped.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first?.hasPrefix("FUNCTION  TARGET  REGION") == true, "\(lines.first ?? "")")
    let api = try #require(lines.first { $0.contains(" api ") })
    let apiRuns = (seed.runs["api@ap-guangzhou"] ?? 0) + seed.summarisedRuns
    // The terminal keeps both decimals (columns line up): 98.60%, where the page writes 98.6%.
    let hundredths = (apiRuns - 12) * 10_000 / apiRuns
    #expect(api.contains("7d \(hundredths / 100).\(String(format: "%02d", hundredths % 100))%"), "\(api)")
    #expect(api.contains(" UP "))
    let homeLines = lines.filter { $0.contains(" home ") }
    #expect(homeLines.count == 2, "one line per region")
    #expect(homeLines.last?.contains("ap-shanghai") == true)
    #expect(homeLines.last?.contains("120.0 ms") == true, "\(homeLines)")
    // The sparkline: the last 24 runs, all the same latency, so all the lowest bar.
    #expect(homeLines.first?.hasSuffix(String(repeating: "▁", count: 24)) == true, "\(homeLines)")
    let json = try await vigil(["status", "--state", state, "--json"], in: project)
    let decoded = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
    #expect(decoded.count == 4)

    let command = "\(RepositoryPaths.products)/vigil status --state \(state)"
    func terminal(_ environment: [String: String]) async throws -> String {
      let output = try await runToEnd(
        ["script", "-qec", "cd \(project) && \(command)", "/dev/null"],
        environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new })
      return String(decoding: output, as: UTF8.self)
    }
    var plainEnvironment = ProcessInfo.processInfo.environment
    plainEnvironment["NO_COLOR"] = nil
    let coloured = try await runToEnd(
      ["script", "-qec", "cd \(project) && \(command)", "/dev/null"],
      environment: plainEnvironment.merging(["TERM": "xterm"]) { _, new in new })
    let colouredText = String(decoding: coloured, as: UTF8.self)
    #expect(colouredText.contains("\u{1B}[32mUP"), "green UP on a terminal: \(colouredText.prefix(400))")
    let noColour = try await terminal(["NO_COLOR": "1", "TERM": "xterm"])
    #expect(noColour.contains(" UP ") && !noColour.contains("\u{1B}[32m"), "\(noColour.prefix(400))")
  }

  /// 20 web targets, one run a minute for 48 hours, in the folder store's hour documents.
  static func seedTwentyTargets(_ state: String) throws {
    let now = Int(Date().timeIntervalSince1970)
    let base = state + "/history/web/local"
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    var documents: [Int: [String: [[Any]]]] = [:]
    for time in stride(from: now - 48 * 3600, through: now, by: 60) {
      for target in 0..<20 {
        let figures: [String: Double] = [
          "dns": 1.234, "connect": 12.5, "tls": 33.25, "ttfb": 101.5 + Double(time % 7), "transfer": 3.5,
          "total": 151.984 + Double(time % 7), "status": 200,
        ]
        documents[time - time % 3600, default: [:]][
          "https://service-\(target).example.com/health", default: []
        ]
        .append([time, 1, figures])
      }
    }
    for (hour, targets) in documents {
      try JSONSerialization.data(withJSONObject: ["hour": hour, "targets": targets] as [String: Any]).write(
        to: URL(fileURLWithPath: base + "/hour-\(Self.stamp(hour, hours: true)).json"))
    }
  }

  /// Twenty web targets with 48 hours of one-minute runs each: the page stays under 100 KB.
  @Test func twentyTargetsWeighUnderOneHundredKilobytes() async throws {
    let project = try makeProject(Self.serverless)
    let state = project + "/state"
    // Writing 48 hours of 20 targets is seconds of work: off Swift's cooperative pool, which other tests share.
    try await offPool { try Self.seedTwentyTargets(state) }
    let serve = try ScheduleProcess(arguments: ["serve", "--port", "0", "--state", state], in: project)
    defer { serve.process.terminate() }
    #expect(await serve.waitFor("listening"), "\(serve.messages)")
    let address = try #require(
      serve.records.first { $0["msg"] as? String == "listening" }?["address"] as? String)
    let (status, _, body) = try await Self.get("\(address)/status")
    #expect(status == 200)
    let html = String(decoding: body, as: UTF8.self)
    #expect(html.components(separatedBy: "<article class=\"target").count - 1 == 20)
    print("status page for 20 targets: \(body.count) bytes")
    try? body.write(to: URL(fileURLWithPath: NSTemporaryDirectory() + "vigil-status-20.html"))
    #expect(body.count < 100_000, "\(body.count) bytes")
  }
}
