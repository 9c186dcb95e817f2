import VigilCore
import VigilCron
import VigilNet

/// PagerDuty Events API v2: one event per alert with `dedup_key` = the alert key, so retries are idempotent and
/// the resolve finds the incident; resolved notices send `event_action: resolve`. 202 is sent; 400 permanent;
/// 429/5xx retried.
package struct PagerDutyEvents: Channel {
  package let name: String
  let url: String
  let routingKey: String
  let transport: any HTTPTransport

  package init(
    name: String, url: String = "https://events.pagerduty.com/v2/enqueue", routingKey: String,
    transport: any HTTPTransport
  ) {
    self.name = name
    self.url = url
    self.routingKey = routingKey
    self.transport = transport
  }

  /// The events for a notification, one per notice.
  package func events(_ notification: AlertNotification) -> [JSONValue] {
    // A "stable" notice (flapping is over) opens nothing; flapping pages like a trigger.
    notification.notices.filter { $0.status != .stable }.map { notice in
      let dedupKey = String("vigil/\(notice.candidate.key)".prefix(255))
      // Resolve and acknowledge carry only the dedup key (Events API v2); PagerDuty's own acknowledgement
      // then holds its escalation too.
      if notice.status == .resolved || notice.status == .acknowledged {
        return .object([
          "routing_key": .string(routingKey), "dedup_key": .string(dedupKey),
          "event_action": .string(notice.status == .resolved ? "resolve" : "acknowledge"),
        ])
      }
      var details: [String: JSONValue] = [
        "incident": .string(notice.incidentID), "since": .string(notice.since),
      ]
      for fact in notice.facts { details[fact.name] = .string(fact.value) }
      let severity =
        ["info": "info", "warning": "warning", "critical": "critical"][notice.candidate.severity.rawValue]
        ?? "error"
      return .object([
        "routing_key": .string(routingKey), "event_action": .string("trigger"),
        "dedup_key": .string(dedupKey),
        "client": .string("Vigil"),
        "payload": .object([
          "summary": .string(ChatWebhook.truncate(notice.candidate.summary, characters: 1024)),
          "source": .string(notice.candidate.target), "severity": .string(severity),
          "component": .string(notice.candidate.check), "group": .string(notice.candidate.function),
          "timestamp": .string(ISO8601.format(notice.candidate.observedAt)),
          "custom_details": .object(details),
        ]),
      ])
    }
  }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    for event in events(notification) {
      let response = try await ChatWebhook.post(url, event, transport: transport)
      guard response.status == 202 || response.status == 200 else {
        throw ChatWebhook.failure(response, url: url)
      }
    }
  }
}

extension PagerDutyEvents: ConfigurableChannel {
  package static let type = "pagerduty"
  package static let keys = ["routingKey", "url"]
  package static let secretKeys = ["routingKey"]

  package static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel {
    PagerDutyEvents(
      name: name, url: try settings.vendorURL("url", default: "https://events.pagerduty.com/v2/enqueue"),
      routingKey: try settings.map.required("routingKey").string(), transport: settings.transport)
  }
}
