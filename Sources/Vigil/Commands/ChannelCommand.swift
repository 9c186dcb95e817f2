import VigilAlerting
import VigilCore
import VigilCron
import VigilRuntime

/// `vigil channel test NAME`: sends a test notification through one configured channel and says what happened.
enum ChannelCommand: Command {
  static let name = "channel"
  static let summary = "send a test message through a configured channel ('vigil channel test NAME')"
  static let usage = """
    usage: vigil channel test NAME [--config FILE]
           vigil channel list [--config FILE]

    'test' sends one test notification through channel NAME of custom.vigil.channels (or 'console'),
    directly, not through the outbox, and prints what happened: sent, or the vendor's answer and whether
    Vigil would retry it (retryable) or not (permanent: fix the configuration). Exit 0 when sent, 1 when not.
    'list' prints the configured channels.

    options:
    \(configOptionHelp)
    """

  static func run(_ raw: [String]) async throws -> Int32 {
    guard let arguments = try parse(raw, valued: ["config"]) else { return ExitCode.success }
    let project = try loadProject(arguments)
    let engine = try project.alertingEngine(
      logger: Logger(sink: try logSink(command: name)), state: InMemoryStateStore(), clock: SystemClock())
    switch arguments.positionals.first {
    case "list":
      for (channelName, channel) in engine.channels.sorted(by: { $0.key < $1.key }) {
        Output.out(
          "\(channelName)  \(String(describing: type(of: (channel as? PresentedChannel)?.inner ?? channel)))\(engine.policy.channels.contains(channelName) ? "  (default)" : "")"
        )
      }
      return ExitCode.success
    case "test":
      guard arguments.positionals.count == 2 else {
        throw Arguments.UsageError(
          command: name,
          message: "which channel? e.g. 'vigil channel test ops-mail' (see 'vigil channel list')")
      }
      let channelName = arguments.positionals[1]
      guard let channel = engine.channels[channelName] else {
        throw Arguments.UsageError(
          command: name,
          message:
            "no channel named '\(channelName)'; configured: \(engine.channels.keys.sorted().joined(separator: ", "))"
        )
      }
      let now = Instant()
      let candidate = AlertCandidate(
        function: "vigil", check: "channel-test", target: channelName, healthy: false, severity: .info,
        summary: "test message from vigil for channel '\(channelName)'",
        facts: [.init("sent at", ISO8601.format(now))],
        observedAt: now)
      let notification = AlertNotification(
        function: "channel test", requestID: "test-\(RandomUUID.make())",
        notices: [
          .init(status: .firing, candidate: candidate, incidentID: "test", since: ISO8601.format(now))
        ])
      let started = Instant()
      do {
        try await channel.deliver(notification, idempotencyKey: notification.requestID)
        Output.out("\(channelName): sent (\(Int(Instant().timeIntervalSince(started) * 1000)) ms)")
        return ExitCode.success
      } catch {
        switch error {
        case .retryable(let message):
          Output.out("\(channelName): NOT sent, retryable (Vigil would retry it later): \(message)")
        case .throttled(let message, let seconds):
          Output.out(
            "\(channelName): NOT sent, throttled (Vigil would retry it in \(Int(seconds.rounded(.up))) s): \(message)"
          )
        case .permanent(let message):
          Output.out("\(channelName): NOT sent, permanent (fix the channel's configuration): \(message)")
        }
        return ExitCode.failure
      }
    default:
      throw Arguments.UsageError(
        command: name, message: "use 'vigil channel test NAME' or 'vigil channel list'")
    }
  }
}
