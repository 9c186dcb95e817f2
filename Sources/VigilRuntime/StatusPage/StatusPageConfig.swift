import VigilCore

/// `functions/status-page/config.yml`: what the page shows and how it is titled. Every field is optional.
package struct StatusPageConfig: Sendable, Equatable {
  /// The page's heading and `<title>`.
  package var title: String = "Status"
  /// Short text shown as the logo (a team or product name), or nil for none.
  package var logo: String?
  /// The functions shown, in this order; nil: every function that has history in the store.
  package var functions: [String]?
  /// The language when neither `?lang=` nor `Accept-Language` chooses one.
  package var language: StatusPageText.Language = .english
  /// Resolved incidents listed under the open ones, per function.
  package var recentIncidents: Int = 10

  package init() {}

  package static func read(_ root: ConfigValue?) throws(ConfigError) -> StatusPageConfig {
    var config = StatusPageConfig()
    guard let root, !root.isNull else { return config }
    let map = try root.mapping(allowed: ["title", "logo", "functions", "language", "recentIncidents"])
    if let title = map.optional("title") {
      config.title = try title.string()
      guard (1...120).contains(config.title.count) else { throw title.error("a title of 1-120 characters") }
    }
    if let logo = map.optional("logo") {
      config.logo = try logo.string()
      guard (1...40).contains(config.logo?.count ?? 0) else {
        throw logo.error("logo text of 1-40 characters")
      }
    }
    if let functions = map.optional("functions") {
      let names = try functions.stringList()
      guard (1...100).contains(names.count) else { throw functions.error("list 1-100 function names") }
      guard Set(names).count == names.count else { throw functions.error("a function is listed twice") }
      config.functions = names
    }
    if let language = map.optional("language") {
      let code = try language.string()
      guard let chosen = StatusPageText.Language(code: code) else {
        throw language.error("unknown language '\(code)'; use en or zh")
      }
      config.language = chosen
    }
    if let count = map.optional("recentIncidents") {
      config.recentIncidents = try count.int()
      guard (0...50).contains(config.recentIncidents) else { throw count.error("recentIncidents is 0-50") }
    }
    return config
  }
}
