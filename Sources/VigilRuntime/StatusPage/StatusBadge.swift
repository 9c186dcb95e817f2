/// Shields-style SVG badges: a target's state (`up`, `down`…) or its uptime over a window (`99.3%`).
package enum StatusBadge {
  /// A two-part badge; widths from a 7 px-per-character estimate, as shields does without a font.
  package static func svg(label: String, message: String, colour: String) -> String {
    let label = StatusPageHTML.escape(String(label.prefix(40)))
    let message = StatusPageHTML.escape(String(message.prefix(40)))
    let left = 10 + 7 * label.count
    let right = 10 + 7 * message.count
    let total = left + right
    return """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(total)" height="20" role="img" aria-label="\(label): \(message)">\
      <title>\(label): \(message)</title><rect width="\(left)" height="20" fill="#555"/>\
      <rect x="\(left)" width="\(right)" height="20" fill="\(colour)"/>\
      <g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">\
      <text x="\(left / 2)" y="14">\(label)</text><text x="\(left + right / 2)" y="14">\(message)</text></g></svg>
      """
  }

  static func colour(_ state: StatusPageModel.State) -> String {
    switch state {
    case .up: "#1f9d55"
    case .degraded: "#e3a008"
    case .down: "#d64545"
    case .unknown: "#9f9f9f"
    }
  }

  /// Green from 99.9 %, yellow from 99 %, orange from 95 %, red below.
  static func colour(share: Double?) -> String {
    guard let share else { return "#9f9f9f" }
    return share >= 0.999 ? "#1f9d55" : share >= 0.99 ? "#a4a61d" : share >= 0.95 ? "#e3a008" : "#d64545"
  }
}
