import VigilCore

/// Writes alerts to the log stream (standard error, one JSON line each): the default channel, needing no
/// credentials.
package struct ConsoleChannel: Channel {
  package let name: String
  let logger: Logger

  /// A log line: never held up by the network, so never cut by a deadline.
  package var isLocal: Bool { true }

  package init(name: String = "console", logger: Logger) {
    self.name = name
    self.logger = logger
  }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    let firing = notification.notices.contains { $0.status == .firing }
    logger.log(
      firing ? .warning : .info, notification.title,
      ["channel": name, "alert": notification.text, "notices": String(notification.notices.count)])
  }
}

extension ConsoleChannel: ConfigurableChannel {
  package static let type = "console"
  package static let keys: [String] = []

  package static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel {
    ConsoleChannel(name: name, logger: settings.logger)
  }
}
