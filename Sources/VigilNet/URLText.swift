import VigilCron

/// Small URL text helpers that need no Foundation URL parsing.
package enum URLText {
  /// The host of `url` (without user info, port or IPv6 brackets).
  package static func host(of url: String) -> String {
    var rest = Substring(url)
    if let scheme = rest.range(ofText: "://") { rest = rest[scheme.upperBound...] }
    let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
    var authority = rest[..<end]
    if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
    if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
      return String(authority[authority.index(after: authority.startIndex)..<close])
    }
    if let colon = authority.lastIndex(of: ":") { return String(authority[..<colon]) }
    return String(authority)
  }
}
