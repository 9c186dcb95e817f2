import VigilCore
import VigilCron

/// The status page as one server-rendered HTML document: inline CSS and SVG, no script, no request to
/// anything but itself. Light and dark follow `prefers-color-scheme`; the layout reads at 375 px and 1440 px.
package enum StatusPageHTML {
  /// Buckets of the 24-hour chart (30 minutes each): enough to see an outage, small enough for 20 targets.
  static let chartBuckets = 48
  static let phases = ["dns", "connect", "tls", "ttfb", "transfer"]

  package static func render(_ model: StatusPageModel, config: StatusPageConfig, text: StatusPageText)
    -> String
  {
    var html = "<!doctype html><html lang=\"\(text.language.rawValue)\"><head><meta charset=\"utf-8\">"
    html += "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
    html += "<meta name=\"color-scheme\" content=\"light dark\">"
    html += "<title>\(escape(config.title))</title><style>\(style)</style></head><body><header>"
    if let logo = config.logo { html += "<span class=\"logo\">\(escape(logo))</span>" }
    html += "<h1>\(escape(config.title))</h1>"
    html +=
      "<a class=\"lang\" href=\"?lang=\(text.otherLanguageCode)\">\(text.otherLanguage)</a></header><main>"
    let overall = model.overall
    let headline: String
    switch overall {
    case .up: headline = text.allUp
    case .down: headline = text.someDown
    case .degraded: headline = text.someDegraded
    case .unknown: headline = text.noData
    }
    html += "<p id=\"overall\" class=\"banner s-\(overall.rawValue)\">\(headline)</p>"
    for function in model.functions {
      html +=
        "<section class=\"function\" data-function=\"\(escape(function.name))\"><h2>\(escape(function.name))</h2>"
      if let until = function.maintenanceUntil {
        html += "<p class=\"maintenance\">\(text.maintenance) <time>\(time(until))</time></p>"
      }
      for target in function.targets { html += render(target, now: model.now, text: text) }
      html += incidents(function.incidents, config: config, text: text)
      html += "</section>"
    }
    html += "</main><footer>\(text.updated) <time>\(time(model.now))</time> · Vigil</footer></body></html>"
    return html
  }

  static func render(_ target: StatusPageModel.Target, now: Int64, text: StatusPageText) -> String {
    let state = target.state
    var html = "<article class=\"target s-\(state.rawValue)\" data-target=\"\(escape(target.name))\">"
    html += "<div class=\"head\"><span class=\"dot\"></span><h3>\(escape(target.name))</h3>"
    html += "<span class=\"state\">\(word(state, text))</span></div><dl class=\"uptime\">"
    let windows: [(String, String, KeyPath<TargetHistory.Uptime, Double?>)] = [
      ("24h", text.last24h, \.day), ("7d", text.last7d, \.week), ("30d", text.last30d, \.month),
      ("90d", text.last90d, \.quarter),
    ]
    for (key, label, path) in windows {
      html +=
        "<div><dt>\(text.uptime) \(label)</dt><dd data-window=\"\(key)\">\(percent(target.uptime(path)))</dd></div>"
    }
    html += "</dl>" + strip(target.daily, text: text) + chart(target, now: now, text: text)
    html +=
      "<table class=\"regions\"><tr><th>\(text.region)</th><th>\(text.lastSeen)</th><th>\(text.latency)</th>"
    html += "<th>\(text.uptime) \(text.last24h)</th></tr>"
    for region in target.regions {
      let regionState = region.latest.map { $0.up ? "up" : "down" } ?? "unknown"
      let seen = region.latest.map { time($0.time) } ?? "-"
      let figure = region.latest?.latency.map {
        number($0) + (region.latest?.figures["total"] != nil ? " ms" : "")
      }
      html +=
        "<tr class=\"s-\(regionState)\" data-region=\"\(escape(region.region))\"><td><span class=\"dot\"></span>"
      html += "\(escape(region.region))</td><td>\(seen)</td><td>\(figure ?? "-")</td>"
      html += "<td>\(percent(region.uptime.day))</td></tr>"
    }
    return html + "</table></article>"
  }

  /// The 90-day strip: one 4-unit bar per UTC day, each run of days of one colour drawn as one dashed stroke
  /// (small for 20 targets), the shares in `data-daily` for readers and tests.
  static func strip(_ daily: [Double?], text: StatusPageText) -> String {
    func kind(_ share: Double?) -> String {
      guard let share else { return "none" }
      return share >= 0.999 ? "up" : share >= 0.95 ? "partial" : "down"
    }
    let data = daily.map { $0.map { number($0 * 100, decimals: 2) } ?? "" }.joined(separator: ",")
    var svg = "<svg class=\"strip\" viewBox=\"0 0 449 24\" preserveAspectRatio=\"none\" role=\"img\" "
    svg += "aria-label=\"\(text.uptime) \(text.last90d)\" data-daily=\"\(data)\">"
    var index = 0
    while index < daily.count {
      let current = kind(daily[index])
      var end = index + 1
      while end < daily.count, kind(daily[end]) == current { end += 1 }
      svg += "<path class=\"d-\(current)\" d=\"M\(index * 5) 12h\((end - index) * 5 - 1)\"/>"
      index = end
    }
    return svg + "</svg><div class=\"axis\"><span>\(text.ninetyDays)</span><span>\(text.today)</span></div>"
  }

  /// The last 24 hours of the primary region in 30-minute buckets: for web checks one stacked area per phase
  /// (painted back to front), otherwise the check's figure (lag, CPU…); red ticks where a run saw it down.
  static func chart(_ target: StatusPageModel.Target, now: Int64, text: StatusPageText) -> String {
    guard let primary = target.primary else { return "" }
    // Buckets on whole half hours (the last one holds now), so a reload a few seconds later draws the same.
    let width = 86_400 / Int64(chartBuckets)
    let start = (now / width + 1) * width - 86_400
    var buckets = [[HistoryPoint]](repeating: [], count: chartBuckets)
    for point in primary.points where point.time > start && point.time <= now {
      buckets[min(chartBuckets - 1, Int((point.time - start - 1) / width))].append(point)
    }
    let web = primary.points.contains { $0.figures["total"] != nil }
    let layers = web ? phases : ["value"]
    // Per bucket, the mean of each layer over the runs that measured it, stacked.
    var stacks: [(index: Int, heights: [Double])] = []
    var downs: [Int] = []
    var drawn = 0
    for (index, points) in buckets.enumerated() where !points.isEmpty {
      if points.contains(where: { !$0.up }) { downs.append(index) }
      var heights: [Double] = []
      var sum = 0.0
      for layer in layers {
        let values = points.compactMap { $0.figures[layer] }
        sum += values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
        heights.append(sum)
      }
      if sum > 0 || !web {
        stacks.append((index, heights))
        drawn += points.count
      }
    }
    let peak = max(stacks.map { $0.heights.last ?? 0 }.max() ?? 0, 0.001)
    let label = web ? text.last24hLatency : text.last24hValue
    var svg = "<figure class=\"chart\"><figcaption>\(label) · max \(number(peak))</figcaption>"
    svg += "<svg viewBox=\"0 0 480 100\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"\(label)\" "
    svg += "data-region=\"\(escape(primary.region))\" data-runs=\"\(drawn)\" data-max=\"\(number(peak))\">"
    func x(_ index: Int) -> Int { index * 10 + 5 }
    func y(_ value: Double) -> Int { 96 - Int((value / peak * 90).rounded()) }
    if let first = stacks.first, let last = stacks.last {
      for layer in (0..<layers.count).reversed() {
        let line = stacks.map { "\(x($0.index)),\(y($0.heights[layer]))" }.joined(separator: " ")
        svg +=
          "<polygon class=\"p-\(layers[layer])\" points=\"\(x(first.index)),96 \(line) \(x(last.index)),96\"/>"
      }
      let total = stacks.map { "\(x($0.index)),\(y($0.heights.last ?? 0))" }.joined(separator: " ")
      svg += "<polyline class=\"total\" points=\"\(total)\"/>"
    }
    if !downs.isEmpty {
      svg += "<path class=\"downs\" d=\"\(downs.map { "M\(x($0)) 96v4" }.joined())\"/>"
    }
    svg += "</svg>"
    if web {
      svg += "<ul class=\"legend\">"
      for phase in phases { svg += "<li><i class=\"p-\(phase)\"></i>\(text.phase(phase))</li>" }
      svg += "</ul>"
    }
    return svg + "</figure>"
  }

  static func incidents(_ incidents: [IncidentRecord], config: StatusPageConfig, text: StatusPageText)
    -> String
  {
    let open = incidents.filter { $0.resolved == nil }
    let past = incidents.filter { $0.resolved != nil }.prefix(config.recentIncidents)
    var html = "<div class=\"incidents\">"
    if !open.isEmpty {
      html += "<h3>\(text.openIncidents)</h3>"
      for incident in open { html += render(incident, open: true, text: text) }
    }
    html += "<h3>\(text.pastIncidents)</h3>"
    if past.isEmpty { html += "<p class=\"none\">\(text.noIncidents)</p>" }
    for incident in past { html += render(incident, open: false, text: text) }
    return html + "</div>"
  }

  static func render(_ incident: IncidentRecord, open: Bool, text: StatusPageText) -> String {
    var html =
      "<details class=\"incident\(open ? " open-incident" : "")\" data-incident=\"\(escape(incident.id))\""
    html += open ? " open>" : ">"
    html +=
      "<summary><b>\(escape(incident.target))</b> · \(escape(incident.summary))<br><small>\(text.opened) "
    html += "<time>\(time(incident.opened))</time>"
    if let resolved = incident.resolved {
      html += " · \(text.resolved) <time>\(time(resolved))</time> (\(duration(resolved - incident.opened)))"
    } else {
      html += " · \(text.ongoing)"
    }
    html += "</small></summary><ol class=\"timeline\">"
    for event in incident.timeline {
      html +=
        "<li><time>\(time(event.time))</time> \(text.status(event.status)): \(escape(event.summary))</li>"
    }
    html += "</ol>"
    if !incident.deliveries.isEmpty {
      html += "<p class=\"deliveries\">\(text.deliveries): "
      html += incident.deliveries.map {
        "<span class=\"r-\($0.result)\">\(escape($0.channel)) \(text.status($0.notice)) \(text.status($0.result))</span>"
      }.joined(separator: " · ")
      html += "</p>"
    }
    return html + "</details>"
  }

  static func word(_ state: StatusPageModel.State, _ text: StatusPageText) -> String {
    switch state {
    case .up: text.up
    case .down: text.down
    case .degraded: text.degraded
    case .unknown: text.unknown
    }
  }

  /// `99.31%`, `100%`, or `-` for a window without runs.
  package static func percent(_ share: Double?) -> String {
    guard let share else { return "-" }
    if share >= 1 { return "100%" }
    // Never rounds a down run up to 100%.
    return number(min(9_999, (share * 10_000 + 1e-7).rounded(.down)) / 100, decimals: 2) + "%"
  }

  static func number(_ value: Double, decimals: Int = 1) -> String {
    let text = String(value, decimals: decimals)
    guard text.contains(Character(".")) else { return text }
    var trimmed = Substring(text)
    while trimmed.hasSuffix("0") { trimmed = trimmed.dropLast() }
    if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
    return String(trimmed)
  }

  static func time(_ seconds: Int64) -> String {
    let text = ISO8601.format(Instant(timeIntervalSince1970: Double(seconds)))
    return String(text.prefix(16).map { $0 == "T" ? " " : $0 }) + " UTC"
  }

  static func duration(_ seconds: Int64) -> String {
    if seconds < 90 { return "\(seconds) s" }
    if seconds < 5400 { return "\((seconds + 30) / 60) min" }
    if seconds < 172_800 { return number(Double(seconds) / 3600) + " h" }
    return number(Double(seconds) / 86_400) + " d"
  }

  /// Text safe in HTML content and double-quoted attributes.
  package static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(character)
      }
    }
    return out
  }

  static let style = """
    :root{--bg:#f7f8fa;--card:#fff;--fg:#1c2330;--muted:#5f6b7a;--line:#dde2e8;--up:#1f9d55;--partial:#e3a008;\
    --down:#d64545;--none:#c9ced6;--dns:#7e57c2;--connect:#29b6f6;--tls:#26a69a;--ttfb:#ffa726;--transfer:#8d6e63}
    @media (prefers-color-scheme:dark){:root{--bg:#0f141a;--card:#18202a;--fg:#e6ebf1;--muted:#9aa6b4;\
    --line:#2a3440;--none:#3a4452}}
    *{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);\
    font:15px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif}
    header,main,footer{max-width:1100px;margin:0 auto;padding:12px 16px}header{display:flex;align-items:center;gap:12px}
    h1{font-size:1.4em;margin:0;flex:1}h2{font-size:1.15em;margin:24px 0 8px}h3{font-size:1em;margin:0}
    .logo{font-weight:700;padding:2px 8px;border:2px solid var(--fg);border-radius:6px}.lang{color:var(--muted)}
    .banner{padding:12px 16px;border-radius:8px;color:#fff;font-weight:600;background:var(--none)}
    .banner.s-up{background:var(--up)}.banner.s-down{background:var(--down)}.banner.s-degraded{background:var(--partial)}
    .maintenance{padding:8px 12px;border-radius:6px;border:1px dashed var(--partial)}
    .target{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:10px 0;\
    display:grid;grid-template-columns:1fr 1fr;gap:8px 24px}
    .head,.strip,.axis{grid-column:1/-1}.head{display:flex;align-items:center;gap:8px}.head h3{flex:1;overflow-wrap:anywhere}
    .dot{display:inline-block;width:10px;height:10px;border-radius:50%;background:var(--none);margin-right:6px}
    .s-up .dot,.s-up>.dot{background:var(--up)}.s-down .dot{background:var(--down)}.s-degraded .dot{background:var(--partial)}
    tr.s-up .dot{background:var(--up)}tr.s-down .dot{background:var(--down)}
    .state{font-weight:600}.s-down>.head .state{color:var(--down)}.s-up>.head .state{color:var(--up)}
    .s-degraded>.head .state{color:var(--partial)}
    .uptime{display:flex;flex-wrap:wrap;gap:4px 18px;margin:0;grid-column:1/-1}.uptime div{min-width:70px}
    dt{font-size:.8em;color:var(--muted)}dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
    .strip{width:100%;height:28px}.strip path{stroke-width:24;stroke-dasharray:4 1}.d-up{stroke:var(--up)}\
    .d-partial{stroke:var(--partial)}.d-down{stroke:var(--down)}.d-none{stroke:var(--none)}
    .axis{display:flex;justify-content:space-between;font-size:.75em;color:var(--muted);margin-top:-6px}
    .chart{margin:0}.chart svg{width:100%;height:110px;border-bottom:1px solid var(--line)}
    figcaption,.legend{font-size:.8em;color:var(--muted)}.legend{display:flex;flex-wrap:wrap;gap:10px;padding:0;list-style:none}
    .legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
    .p-dns{fill:var(--dns);background:var(--dns)}.p-connect{fill:var(--connect);background:var(--connect)}\
    .p-tls{fill:var(--tls);background:var(--tls)}.p-ttfb{fill:var(--ttfb);background:var(--ttfb)}\
    .p-transfer{fill:var(--transfer);background:var(--transfer)}.p-value{fill:var(--connect);opacity:.6}
    .total{fill:none;stroke:var(--fg);stroke-width:1;vector-effect:non-scaling-stroke}\
    .downs{stroke:var(--down);stroke-width:3;vector-effect:non-scaling-stroke}
    .regions{border-collapse:collapse;font-size:.9em;align-self:start}.regions td,.regions th{padding:3px 10px 3px 0;\
    text-align:left;border-bottom:1px solid var(--line)}th{color:var(--muted);font-weight:500}
    .incidents{margin:8px 0 0}.incident{background:var(--card);border:1px solid var(--line);border-left:4px solid \
    var(--up);border-radius:6px;padding:8px 12px;margin:6px 0}.open-incident{border-left-color:var(--down)}
    summary{cursor:pointer}small,.none,footer{color:var(--muted)}.timeline{margin:6px 0;padding-left:20px}
    .deliveries{font-size:.85em}.r-failed{color:var(--down)}.r-retrying{color:var(--partial)}
    @media (max-width:700px){.target{grid-template-columns:1fr}.chart,.regions{grid-column:1/-1}}
    """
}
