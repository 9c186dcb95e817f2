import VigilCore
import VigilCron

/// The language of a channel's messages: `custom.vigil.alerting.language` for the project, `language:` on a
/// channel over it.
package enum NoticeLanguage: String, Sendable, Codable, Hashable, CaseIterable {
  case en, zh

  /// Reads `en` or `zh`.
  package static func read(_ value: ConfigValue) throws(ConfigError) -> NoticeLanguage {
    let text = try value.string()
    guard let language = NoticeLanguage(rawValue: text) else {
      throw value.error("a language is en or zh, found \(value.shown(text))")
    }
    return language
  }
}

/// Every word a notice is written with, in English and Chinese.
package struct Wording: Sendable {
  package let language: NoticeLanguage

  package init(_ language: NoticeLanguage) { self.language = language }

  private func pick(_ english: String, _ chinese: String) -> String { language == .zh ? chinese : english }

  /// The status as a message shows it: `FIRING` / `告警`.
  package func status(_ status: AlertNotification.Notice.Status) -> String {
    switch status {
    case .firing: pick("FIRING", "告警")
    case .reminder: pick("REMINDER", "提醒")
    case .resolved: pick("RESOLVED", "已恢复")
    case .flapping: pick("FLAPPING", "抖动")
    case .stable: pick("STABLE", "恢复稳定")
    case .acknowledged: pick("ACKNOWLEDGED", "已确认")
    }
  }

  /// `2 firing` / `2 条告警`, for the title.
  package func count(_ count: Int, _ status: AlertNotification.Notice.Status) -> String {
    switch language {
    case .en: "\(count) \(status.rawValue)"
    case .zh: "\(count) 条\(self.status(status))"
    }
  }

  /// ` (step 2)` / `（第 2 级）`.
  package func step(_ number: Int) -> String { pick(" (step \(number))", "（第 \(number) 级）") }

  package func severity(_ severity: AlertCandidate.Severity) -> String {
    switch severity {
    case .info: pick("info", "提示")
    case .warning: pick("warning", "警告")
    case .critical: pick("critical", "严重")
    }
  }

  /// `[vigil] shop: 2 firing, 1 resolved` / `[vigil] shop：2 条告警，1 条已恢复`.
  package func title(function: String, parts: [String]) -> String {
    "[vigil] \(function)" + pick(": ", "：") + parts.joined(separator: pick(", ", "，"))
  }

  package func digest(_ count: Int) -> String {
    pick(
      "digest: \(count) notice\(count == 1 ? "" : "s") held during quiet hours",
      "汇总：免打扰时段内暂存的 \(count) 条通知")
  }

  /// `since 2026-… · inc-…` / `开始于 2026-… · 事件 inc-…`.
  package func sinceLine(since: String, incident: String) -> String {
    pick("since \(since) · \(incident)", "开始于 \(since) · 事件 \(incident)")
  }

  /// The name of one of Vigil's own facts (the check's facts keep their names).
  package func factName(_ name: String) -> String {
    switch name {
    case "acknowledged": pick("acknowledged", "已确认")
    case "acknowledge": pick("acknowledge", "确认链接")
    default: name
    }
  }

  /// An acknowledgement as one line.
  package func acknowledgement(_ ack: Acknowledgement, at now: Instant) -> String {
    switch language {
    case .en:
      return ack.describe(at: now)
    case .zh:
      var text = "\(ack.by) 于 \(ISO8601.format(ack.at)) 确认"
      if let until = ack.until {
        text += ack.holds(at: now) ? "，至 \(ISO8601.format(until))" : "，已于 \(ISO8601.format(until)) 结束"
      } else {
        text += "，直到恢复"
      }
      if let comment = ack.comment, !comment.isEmpty { text += "：\(comment)" }
      return text
    }
  }

  /// A duration as a message shows it: `1h 5m`, `3m 20s` / `1小时5分`, `3分20秒`.
  package func duration(_ seconds: Double) -> String {
    let whole = max(0, Int(seconds))
    let (days, hours, minutes, rest) = (whole / 86_400, whole / 3600 % 24, whole / 60 % 60, whole % 60)
    let units: [(Int, String, String)] = [
      (days, "d", "天"), (hours, "h", "小时"), (minutes, "m", "分"), (rest, "s", "秒"),
    ]
    let shown = units.drop { $0.0 == 0 }.prefix(2).filter { $0.0 > 0 }
    guard !shown.isEmpty else { return pick("0s", "0秒") }
    return shown.map { "\($0.0)\(language == .zh ? $0.2 : $0.1)" }.joined(separator: pick(" ", ""))
  }
}

/// A channel's own message layout (`template: {title: …, text: …}`): placeholders only, no code. `title` is
/// filled from the first notice (and `{count}`), `text` once per notice, the blocks one after another.
/// Each channel's escaping and length limit apply to what is filled.
package struct MessageTemplate: Sendable, Codable, Hashable {
  package var title: String?
  package var text: String?

  package init(title: String?, text: String?) {
    self.title = title
    self.text = text
  }

  /// Placeholders a template may use, besides `{figure.NAME}` (the check's fact NAME).
  package static let placeholders = [
    "function", "target", "status", "summary", "severity", "since", "duration", "incident", "ack_url",
    "facts",
    "count",
  ]

  /// Reads `template:`; an unknown placeholder is an error at its value's place.
  package static func read(_ value: ConfigValue) throws(ConfigError) -> MessageTemplate {
    let map = try value.mapping(allowed: ["title", "text"])
    var template = MessageTemplate(title: nil, text: nil)
    for key in ["title", "text"] {
      guard let field = map.optional(key) else { continue }
      let text = try field.string()
      guard (1...4000).contains(text.utf8.count) else {
        throw field.error("'template.\(key)' is 1-4000 bytes")
      }
      for name in Self.names(in: text) where !placeholders.contains(name) && !name.hasPrefix("figure.") {
        throw field.error(
          "unknown placeholder '{\(name.excerpt())}' in template.\(key); known: "
            + placeholders.map { "{\($0)}" }.joined(separator: ", ") + ", {figure.NAME}")
      }
      if key == "title" { template.title = text } else { template.text = text }
    }
    guard template.title != nil || template.text != nil else {
      throw value.error("'template' needs a title, a text or both")
    }
    return template
  }

  /// The names inside `{…}` in `text`.
  static func names(in text: String) -> [String] {
    var names: [String] = []
    var rest = Substring(text)
    while let open = rest.firstIndex(of: "{") {
      let after = rest[rest.index(after: open)...]
      guard let close = after.firstIndex(of: "}") else { break }
      names.append(String(after[..<close]))
      rest = after[after.index(after: close)...]
    }
    return names
  }
}
