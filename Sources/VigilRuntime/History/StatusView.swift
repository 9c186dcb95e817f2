import VigilCore
import VigilCron

/// The terminal view of `vigil status`: one aligned line per target and region.
package enum StatusView {
  /// The sparkline's bars, fastest to slowest; `·` is a run that saw the target down without a latency.
  package static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

  package static func render(_ targets: [TargetHistory], now: Instant, colour: Bool) -> String {
    guard !targets.isEmpty else { return "no history yet: run a check (vigil invoke, vigil schedule) first" }
    let rows = targets.map { target -> [String] in
      let state: String
      let age: String
      if let latest = target.latest {
        state = latest.up ? "UP" : "DOWN"
        age = ago(now.timeIntervalSince1970 - Double(latest.time))
      } else {
        state = "no data"
        age = "-"
      }
      let uptime = [target.uptime.day, target.uptime.week, target.uptime.month, target.uptime.quarter]
      let latency = target.latest?.latency.map { String($0, decimals: 1) + " ms" } ?? "-"
      return [target.function, target.target, target.region, state, age]
        + zip(["24h", "7d", "30d", "90d"], uptime).map { "\($0) \(percent($1))" }
        + [latency, sparkline(target.points.suffix(24))]
    }
    let header = ["FUNCTION", "TARGET", "REGION", "STATE", "SEEN", "UPTIME", "", "", "", "LATENCY", "RECENT"]
    var widths = header.map(\.count)
    for row in rows {
      for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    func line(_ cells: [String], state: String?) -> String {
      cells.enumerated().map { index, cell in
        let padded =
          index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
        guard colour, index == 3, let state else { return padded }
        let code = state == "UP" ? "32" : state == "DOWN" ? "31;1" : "33"
        return "\u{1B}[\(code)m\(padded)\u{1B}[0m"
      }.joined(separator: "  ")
    }
    return ([line(header, state: nil)] + rows.map { line($0, state: $0[3]) }).joined(separator: "\n")
  }

  /// Bars scaled between the smallest and largest latency shown.
  package static func sparkline(_ points: some Collection<HistoryPoint>) -> String {
    let latencies = points.compactMap(\.latency)
    guard let low = latencies.min(), let high = latencies.max() else {
      return String(repeating: "·", count: points.count)
    }
    return String(
      points.map { point -> Character in
        guard let latency = point.latency else { return "·" }
        guard high > low else { return bars[0] }
        return bars[min(bars.count - 1, Int((latency - low) / (high - low) * Double(bars.count - 1) + 0.5))]
      })
  }

  /// `99.93%`, `100%`, or `-` when there was no run.
  package static func percent(_ share: Double?) -> String {
    guard let share else { return "-" }
    if share >= 1 { return "100%" }
    return String((share * 100 * 100).rounded(.down) / 100, decimals: 2) + "%"
  }

  static func ago(_ seconds: Double) -> String {
    let seconds = max(0, seconds)
    if seconds < 120 { return "\(Int(seconds)) s ago" }
    if seconds < 7200 { return "\(Int(seconds / 60)) min ago" }
    return "\(Int(seconds / 3600)) h ago"
  }
}
