/// A RESP2 value (Redis's wire protocol), as a reply or as part of one.
package enum RESPValue: Sendable, Hashable {
  /// `+OK`
  case simple(String)
  /// `-ERR …`, `-WRONGPASS …`: the server refused the command.
  case error(String)
  /// `:42`
  case integer(Int64)
  /// `$5\r\nhello`; nil for the null bulk string (`$-1`), e.g. GET of a missing key.
  case bulk([UInt8]?)
  /// `*2\r\n…`; nil for the null array (`*-1`), e.g. a WATCHed EXEC that was aborted.
  case array([RESPValue]?)

  /// The text of a simple or bulk string.
  package var text: String? {
    switch self {
    case .simple(let text): return text
    case .bulk(let bytes?): return String(decoding: bytes, as: UTF8.self)
    default: return nil
    }
  }

  /// Whether this is a null bulk string or a null array.
  package var isNull: Bool {
    switch self {
    case .bulk(nil), .array(nil): return true
    default: return false
    }
  }
}
