/// A channel with its language and template (`language:`, `template:` on any channel): the notification is
/// written in them when it is delivered, so what the outbox keeps is the same for every channel.
package struct PresentedChannel: Channel {
  /// The channel itself (`vigil channel list` names its type).
  package let inner: any Channel
  let language: NoticeLanguage
  let template: MessageTemplate?

  init(_ inner: any Channel, language: NoticeLanguage, template: MessageTemplate?) {
    self.inner = inner
    self.language = language
    self.template = template
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
