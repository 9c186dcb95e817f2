/// Why a cron expression was refused: the field, the token, and the reason.
public struct CronError: Error, Sendable, Hashable, CustomStringConvertible {
  public var expression: String
  /// `second`, `minute`, `hour`, `day-of-month`, `month`, `day-of-week`, `year`; nil for whole-expression problems.
  public var field: String?
  public var token: String?
  public var reason: String

  public var description: String {
    var text = "invalid cron expression '\(expression)': "
    if let field { text += "\(field) field" }
    if let token { text += (field == nil ? "" : " ") + "'\(token)'" }
    if field != nil || token != nil { text += ": " }
    return text + reason
  }
}
