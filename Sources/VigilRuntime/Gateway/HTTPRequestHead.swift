import VigilCore
import VigilCron

/// A parsed HTTP/1.x request head (request line and headers), strict where leniency lets requests smuggle.
package struct HTTPRequestHead: Sendable, Hashable {
  package var method: String
  /// The request target as sent (`/heartbeat/web-01?x=1`).
  package var target: String
  /// `HTTP/1.1` or `HTTP/1.0`.
  package var version: String
  package var headers: [(name: String, value: String)]

  package static func == (lhs: HTTPRequestHead, rhs: HTTPRequestHead) -> Bool {
    lhs.method == rhs.method && lhs.target == rhs.target && lhs.version == rhs.version
      && lhs.headers.map(\.name) == rhs.headers.map(\.name)
      && lhs.headers.map(\.value) == rhs.headers.map(\.value)
  }

  package func hash(into hasher: inout Hasher) {
    hasher.combine(method)
    hasher.combine(target)
  }

  /// The first value of a header, case-insensitively.
  package func header(_ name: String) -> String? {
    let lowered = name.lowercased()
    return headers.first { $0.name.lowercased() == lowered }?.value
  }

  /// The path without the query.
  package var path: String { String(target.prefix { $0 != "?" }) }

  /// Query parameters, percent-decoded (`+` as space); the last of repeated names wins.
  package var query: [String: String] {
    guard let mark = target.firstIndex(of: "?") else { return [:] }
    var result: [String: String] = [:]
    for pair in target[target.index(after: mark)...].split(separator: "&") where !pair.isEmpty {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let name = Self.percentDecoded(String(parts[0]).replacingEvery("+", with: " "))
      result[name] =
        parts.count > 1 ? Self.percentDecoded(String(parts[1]).replacingEvery("+", with: " ")) : ""
    }
    return result
  }

  /// Whether the connection stays open after the answer (HTTP/1.1 unless `close`; 1.0 only with keep-alive).
  package var keepAlive: Bool {
    let connection = header("Connection")?.lowercased() ?? ""
    if version == "HTTP/1.0" { return connection.includes("keep-alive") }
    return !connection.includes("close")
  }

  /// Why a head was refused: the status to answer and a one-line reason.
  package struct Refusal: Error, Sendable, Hashable {
    package var status: Int
    package var reason: String
  }

  static let tokenCharacters = Set(
    "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

  /// Parses the bytes before the blank line (CRLF line ends; bare LF tolerated).
  package static func parse(_ bytes: ArraySlice<UInt8>) throws(Refusal) -> HTTPRequestHead {
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
      line.last == UInt8(ascii: "\r") ? line.dropLast() : line
    }
    while lines.last?.isEmpty == true { lines.removeLast() }
    guard let requestLine = lines.first, !requestLine.isEmpty else {
      throw Refusal(status: 400, reason: "empty request line")
    }
    let parts = requestLine.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
    guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy({ tokenCharacters.contains($0) }) else {
      throw Refusal(status: 400, reason: "malformed request line (expected 'METHOD /path HTTP/1.1')")
    }
    let version = String(decoding: parts[2], as: UTF8.self)
    guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
      throw Refusal(
        status: version.hasPrefix("HTTP/") ? 505 : 400, reason: "unsupported protocol '\(version.prefix(20))'"
      )
    }
    let target = String(decoding: parts[1], as: UTF8.self)
    guard target.hasPrefix("/"), parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
      throw Refusal(status: 400, reason: "the request target must be a path starting with '/'")
    }
    var headers: [(name: String, value: String)] = []
    for line in lines.dropFirst() {
      guard let first = line.first, first != UInt8(ascii: " "), first != UInt8(ascii: "\t") else {
        throw Refusal(status: 400, reason: "folded header lines are not accepted")
      }
      guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
        line[..<colon].allSatisfy({ tokenCharacters.contains($0) })
      else {
        throw Refusal(status: 400, reason: "malformed header line")
      }
      let value = line[line.index(after: colon)...].drop { $0 == 32 || $0 == 9 }
      guard !value.contains(where: { $0 == 0 || $0 == 13 || $0 == 10 }) else {
        throw Refusal(status: 400, reason: "control characters in a header value")
      }
      var text = String(decoding: value, as: UTF8.self)
      while text.last == " " || text.last == "\t" { text.removeLast() }
      headers.append((String(decoding: line[..<colon], as: UTF8.self), text))
    }
    let head = HTTPRequestHead(
      method: String(decoding: parts[0], as: UTF8.self), target: target, version: version, headers: headers)
    if version == "HTTP/1.1" && head.header("Host") == nil {
      throw Refusal(status: 400, reason: "HTTP/1.1 requests need a Host header")
    }
    return head
  }

  /// The body length the head announces: Content-Length (one value, digits only); chunked bodies are refused.
  package func contentLength() throws(Refusal) -> Int {
    if header("Transfer-Encoding") != nil {
      throw Refusal(status: 411, reason: "chunked bodies are not accepted; send Content-Length")
    }
    let values = headers.filter { $0.name.lowercased() == "content-length" }.map(\.value)
    guard let first = values.first else { return 0 }
    guard values.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 15,
      first.allSatisfy(\.isASCII), first.allSatisfy(\.isNumber), let length = Int(first)
    else {
      throw Refusal(status: 400, reason: "bad Content-Length")
    }
    return length
  }

  static func percentDecoded(_ text: String) -> String {
    text.decodingByteEscapes(marker: "%", digits: 2, radix: 16)
  }
}
