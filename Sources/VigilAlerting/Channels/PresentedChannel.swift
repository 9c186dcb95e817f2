/// A channel with its language and template (`language:`, `template:` on any channel): the notification is
/// written in them when it is delivered, so what the outbox keeps is the same for every channel.
package struct PresentedChannel: Channel {
  /// The channel itself (`vigil channel list` names its type).
  package let inner: any Channel
  package let language: NoticeLanguage
  /// Whether the channel names its language itself (a route's `language:` does not change it then).
  package let ownLanguage: Bool
  let template: MessageTemplate?

  init(_ inner: any Channel, language: NoticeLanguage, ownLanguage: Bool = false, template: MessageTemplate?)
  {
    self.inner = inner
    self.language = language
    self.ownLanguage = ownLanguage
    self.template = template
  }

  /// The same channel in `language`.
  package func speaking(_ language: NoticeLanguage) -> PresentedChannel {
    PresentedChannel(inner, language: language, ownLanguage: ownLanguage, template: template)
  }

  package var name: String { inner.name }
  package var isLocal: Bool { inner.isLocal }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    var presented = notification
    presented.language = language
    presented.template = template
    try await inner.deliver(presented, idempotencyKey: idempotencyKey)
  }
}
