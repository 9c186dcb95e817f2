/// Why a cron expression was refused: the field, the token, and the reason.
package struct CronError: Error, Sendable, Hashable, CustomStringConvertible {
  package var expression: String
  /// `second`, `minute`, `hour`, `day-of-month`, `month`, `day-of-week`, `year`; nil for whole-expression problems.
  package var field: String?
  package var token: String?
  package var reason: String

  /// The problem in one line; the expression, the token and any text the reason quotes appear as excerpts,
  /// so a runaway expression is named, never echoed whole.
  package var description: String {
    var text = "invalid cron expression '\(Self.excerpt(expression, 60))': "
    if let field { text += "\(field) field" }
    if let token { text += (field == nil ? "" : " ") + "'\(Self.excerpt(token, 40))'" }
    if field != nil || token != nil { text += ": " }
    return text + Self.excerpt(reason, 300)
  }

  static func excerpt(_ text: String, _ limit: Int) -> String {
    guard text.count > limit else { return text }
    return text.prefix(limit) + "… (\(text.count) characters)"
  }
}
