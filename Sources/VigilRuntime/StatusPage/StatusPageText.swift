/// The status page's words in English and Chinese.
package struct StatusPageText: Sendable {
  package enum Language: String, Sendable, Equatable {
    case english = "en"
    case chinese = "zh"

    package init?(code: String) {
      let base = code.lowercased().split(separator: "-").first.map(String.init) ?? ""
      switch base {
      case "en": self = .english
      case "zh": self = .chinese
      default: return nil
      }
    }

    /// `?lang=` first, then the first language of `Accept-Language` the page speaks, then `fallback`.
    package static func chosen(query: String?, acceptLanguage: String?, fallback: Language) -> Language {
      if let query, let language = Language(code: query) { return language }
      for part in (acceptLanguage ?? "").split(separator: ",").prefix(20) {
        let tag = part.split(separator: ";").first.map { String($0).trimming(" ") } ?? ""
        if let language = Language(code: tag) { return language }
      }
      return fallback
    }
  }

  package let language: Language

  package init(_ language: Language) { self.language = language }

  private func pick(_ english: String, _ chinese: String) -> String {
    language == .chinese ? chinese : english
  }

  var allUp: String { pick("All systems operational", "所有服务运行正常") }
  var someDown: String { pick("Some systems are down", "部分服务出现故障") }
  var someDegraded: String { pick("Some systems are degraded", "部分服务性能下降") }
  var noData: String { pick("No results yet", "暂无检测结果") }
  var up: String { pick("Up", "正常") }
  var down: String { pick("Down", "故障") }
  var degraded: String { pick("Degraded", "部分故障") }
  var unknown: String { pick("No data", "无数据") }
  var uptime: String { pick("Uptime", "可用率") }
  var last24h: String { pick("24 h", "24 小时") }
  var last7d: String { pick("7 d", "7 天") }
  var last30d: String { pick("30 d", "30 天") }
  var last90d: String { pick("90 d", "90 天") }
  var ninetyDays: String { pick("90 days ago", "90 天前") }
  var today: String { pick("Today", "今天") }
  var region: String { pick("Region", "地域") }
  var latency: String { pick("Latency", "延迟") }
  var value: String { pick("Value", "数值") }
  var lastSeen: String { pick("Last check", "最近检测") }
  var openIncidents: String { pick("Open incidents", "进行中的故障") }
  var pastIncidents: String { pick("Past incidents", "历史故障") }
  var noIncidents: String { pick("No incidents in the last 90 days", "近 90 天无故障") }
  var opened: String { pick("Opened", "开始") }
  var resolved: String { pick("Resolved", "恢复") }
  var ongoing: String { pick("Ongoing", "进行中") }
  var deliveries: String { pick("Notifications", "通知") }
  var maintenance: String { pick("Maintenance in progress until", "维护中，预计结束于") }
  var last24hLatency: String { pick("Latency, last 24 h (ms)", "近 24 小时延迟（毫秒）") }
  var last24hValue: String { pick("Value, last 24 h", "近 24 小时数值") }
  var updated: String { pick("Updated", "更新于") }
  var otherLanguage: String { pick("中文", "English") }
  var otherLanguageCode: String { pick("zh", "en") }

  func status(_ word: String) -> String {
    switch word {
    case "firing": pick("alert sent", "告警")
    case "reminder": pick("reminder", "提醒")
    case "resolved": pick("resolved", "恢复")
    case "flapping": pick("flapping", "抖动")
    case "stable": pick("stable again", "恢复稳定")
    case "acknowledged": pick("acknowledged", "已确认")
    case "silenced": pick("silenced", "已静默")
    case "delivered": pick("delivered", "已送达")
    case "retrying": pick("retrying", "重试中")
    case "failed": pick("failed", "失败")
    default: word
    }
  }

  func phase(_ name: String) -> String {
    switch name {
    case "dns": "DNS"
    case "connect": pick("connect", "连接")
    case "tls": "TLS"
    case "ttfb": pick("first byte", "首字节")
    case "transfer": pick("transfer", "传输")
    default: name
    }
  }
}
