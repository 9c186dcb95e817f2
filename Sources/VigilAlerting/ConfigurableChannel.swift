import VigilCore
import VigilCron
import VigilNet

/// A channel type as `custom.vigil.channels` knows it: its `type:` name, the keys it reads, which of them are
/// secrets, and how it builds itself from them. Adding a channel is one file: the channel and this extension,
/// listed in `AlertingConfig.channelTypes`.
package protocol ConfigurableChannel {
  /// The `type:` value (`webhook`, `wecom`).
  static var type: String { get }
  /// The keys it reads, besides `type` and every channel's `language` and `template`.
  static var keys: [String] { get }
  /// The keys whose values are secrets: registered before anything is built, so no log, result or error
  /// message shows them.
  static var secretKeys: [String] { get }
  /// The channel named `name` from its settings (keys already checked against `keys`).
  static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel
}

extension ConfigurableChannel {
  package static var secretKeys: [String] { [] }
}

/// One channel's settings and what building it may need.
package struct ChannelSettings {
  package let map: ConfigMapping
  /// The whole setting, for errors about it as a whole.
  package let item: ConfigValue
  package let logger: Logger
  package let transport: any HTTPTransport
  package let clock: any WallClock
  package let state: (any StateStore)?

  /// A vendor URL from `key` (or `fallback`): https://, or http:// only to a loopback stand-in; secrets in it
  /// (query keys, tokens) are registered.
  package func vendorURL(_ key: String, default fallback: String? = nil) throws(ConfigError) -> String {
    let value: ConfigValue
    if let present = map.optional(key) {
      value = present
    } else if let fallback {
      return fallback
    } else {
      value = try map.required(key)  // throws the usual "missing the required key" error
    }
    let url = try value.string()
    guard VendorReply.allowed(url) else {
      throw value.error(
        "'\(key)' must be https:// (http:// only for a loopback stand-in), found \(value.shown(Redactor.redactURL(url)))"
      )
    }
    Redactor.shared.registerSecrets(inURL: url)
    return url
  }

  /// A URL whose path ends in a secret (a webhook token): registered as a secret too.
  package func vendorURL(secretPathSegments count: Int) throws(ConfigError) -> String {
    let url = try vendorURL("url")
    let path = url.split(separator: "/")
    Redactor.shared.register(String(path.suffix(count).joined(separator: "/")))
    // The last segment is the token itself: masked alone too, wherever it shows without the rest.
    if let token = path.last { Redactor.shared.register(String(token)) }
    return url
  }
}
