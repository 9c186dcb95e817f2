import VigilCore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// What is known of one reporting host, kept in the state store by `heartbeat-ingest` and read by
/// `heartbeat-watchdog`.
public struct HeartbeatRecord: Sendable, Codable, Hashable {
  public var host: String
  public var firstSeen: Date
  public var lastSeen: Date
  /// Reports received, ever.
  public var reports: Int
  /// False once the host said it is being retired (`{"active": false}`): the watchdog leaves it alone.
  public var active: Bool
  /// The figures of the last report (CPU, memory…), as sent.
  public var figures: JSONValue?
  /// The address the last report came from, when the gateway said.
  public var sourceIP: String?

  /// Where a host's record lives: a folder per host, so concurrent reports from many hosts do not queue on
  /// one directory.
  public static func key(_ host: String) -> String { "heartbeats/hosts/\(host)/last.json" }
  public static let prefix = "heartbeats/hosts/"

  /// Host names: letters, digits, `.`, `-`, `_`; 1-64 characters (they become state keys and alert targets).
  public static func isValidHost(_ host: String) -> Bool {
    (1...64).contains(host.utf8.count) && !host.hasPrefix(".")
      && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
  }
}
