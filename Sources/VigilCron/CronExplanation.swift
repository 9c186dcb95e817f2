/// Plain-language descriptions of cron expressions, in English or Chinese (`vigil cron explain`).
package enum CronLanguage: String, Sendable, CaseIterable {
  case english = "en"
  case chinese = "zh"
}

extension CronExpression {
  /// Describes when the expression fires, from its fields as written.
  package func explanation(in language: CronLanguage = .english) -> String {
    switch language {
    case .english: return EnglishCronPhrases(fields: fields).sentence
    case .chinese: return ChineseCronPhrases(fields: fields).sentence
    }
  }
}

/// One list item of a field, classified for wording.
enum CronItem {
  case every
  case value(String)
  case range(String, String)
  case step(start: String?, end: String?, every: String)
  case special(String)

  init(_ token: Substring) {
    if token == "*" || token == "?" {
      self = .every
    } else if let slash = token.firstIndex(of: "/") {
      let base = token[..<slash]
      let step = String(token[token.index(after: slash)...])
      if base == "*" {
        self = .step(start: nil, end: nil, every: step)
      } else if let dash = base.firstIndex(of: "-") {
        self = .step(start: String(base[..<dash]), end: String(base[base.index(after: dash)...]), every: step)
      } else {
        self = .step(start: String(base), end: nil, every: step)
      }
    } else if CronItem.isSpecial(token) {
      self = .special(String(token))
    } else if let dash = token.firstIndex(of: "-"), dash != token.startIndex {
      self = .range(String(token[..<dash]), String(token[token.index(after: dash)...]))
    } else {
      self = .value(String(token))
    }
  }

  static func items(_ field: String) -> [CronItem] { field.split(separator: ",").map(CronItem.init) }

  /// `L`, `LW`, `15W`, `5L`, `FRIL`, `5#3` — but not names that merely contain L or W (`JUL`, `WED`).
  static func isSpecial(_ token: Substring) -> Bool {
    let upper = token.uppercased()
    if upper.contains("#") || upper == "L" || upper == "LW" || upper == "WL" { return true }
    guard upper.hasSuffix("L") || upper.hasSuffix("W") else { return false }
    let base = String(upper.dropLast())
    return !base.isEmpty && (base.allSatisfy(\.isNumber) || weekdayNumber(base) != nil)
  }
}

/// What a special token (`L`, `LW`, `15W`, `5#3`, `5L`) means, read once for every language.
enum CronSpecial {
  /// `L`: the last day of the month, or Saturday in the day-of-week field.
  case last
  /// `LW`: the last weekday of the month.
  case lastWeekday
  /// `15W`: the weekday nearest that day of the month.
  case nearestWeekday(day: String)
  /// `5#3`: the third Friday of the month.
  case nth(Int, weekday: String)
  /// `5L`: the last Friday of the month.
  case lastOf(weekday: String)

  init(_ token: String) {
    let upper = token.uppercased()
    if upper == "L" {
      self = .last
    } else if upper == "LW" || upper == "WL" {
      self = .lastWeekday
    } else if let hash = upper.firstIndex(of: "#"), let nth = Int(upper[upper.index(after: hash)...]),
      (1...5).contains(nth)
    {
      self = .nth(nth, weekday: String(upper[..<hash]))
    } else if upper.hasSuffix("W") {
      self = .nearestWeekday(day: String(upper.dropLast()))
    } else {
      self = .lastOf(weekday: String(upper.dropLast()))
    }
  }
}

func isPlainNumber(_ text: String) -> Bool { !text.isEmpty && text.allSatisfy(\.isNumber) }

func twoDigits(_ text: String) -> String { (Int(text).map { pad2($0) }) ?? text }

let weekdayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]

/// A weekday token (number or name) as 0-6.
func weekdayNumber(_ token: String) -> Int? {
  if let number = Int(token), (0...6).contains(number) { return number }
  return weekdayNames.firstIndex(of: token.uppercased())
}

/// A month token (number or name) as 1-12.
func monthNumber(_ token: String) -> Int? {
  if let number = Int(token), (1...12).contains(number) { return number }
  return monthNames.firstIndex(of: token.uppercased()).map { $0 + 1 }
}

struct EnglishCronPhrases {
  let fields: [String]
  static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
  static let months = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
  ]
  static let ordinals = ["first", "second", "third", "fourth", "fifth"]

  func join(_ parts: [String]) -> String {
    guard parts.count > 1, let last = parts.last else { return parts.first ?? "" }
    return parts.dropLast().joined(separator: ", ") + " and " + last
  }

  func list(_ field: String, unit: String, units: String, name: (String) -> String = { $0 }) -> String {
    join(
      CronItem.items(field).map { item in
        switch item {
        case .every: return "every \(unit)"
        case .value(let value): return name(value)
        case .range(let from, let to): return "\(name(from)) through \(name(to))"
        case .step(let start, let end, let every):
          var text = every == "1" ? "every \(unit)" : "every \(every) \(units)"
          if let start, let end {
            text += " from \(name(start)) through \(name(end))"
          } else if let start {
            text += " starting at \(name(start))"
          }
          return text
        case .special(let token): return token
        }
      })
  }

  var timePart: String {
    let (second, minute, hour) = (fields[0], fields[1], fields[2])
    if isPlainNumber(second), isPlainNumber(minute),
      hour.split(separator: ",").allSatisfy({ isPlainNumber(String($0)) })
    {
      return "at "
        + join(
          hour.split(separator: ",").map {
            "\(twoDigits(String($0))):\(twoDigits(minute)):\(twoDigits(second))"
          })
    }
    var parts: [String] = []
    switch (second, minute) {
    case ("*", _): parts.append("every second")
    case ("0", "*"): parts.append("every minute")
    case ("0", _): break
    default:
      if case .step = CronItem(Substring(second)) {
        parts.append(list(second, unit: "second", units: "seconds"))
      } else {
        parts.append("at second \(list(second, unit: "second", units: "seconds"))")
      }
    }
    if minute != "*" {
      if case .step = CronItem(Substring(minute)) {
        parts.append(list(minute, unit: "minute", units: "minutes"))
      } else {
        parts.append("at minute \(list(minute, unit: "minute", units: "minutes"))")
      }
    } else if second != "*" && second != "0", case .value = CronItem(Substring(second)) {
      parts.append("of every minute")
    }
    if hour != "*" {
      switch CronItem(Substring(hour)) {
      case .step: parts.append(list(hour, unit: "hour", units: "hours"))
      case .range where !hour.contains(","):
        parts.append("during hours \(list(hour, unit: "hour", units: "hours"))")
      default: parts.append("past hour \(list(hour, unit: "hour", units: "hours"))")
      }
    }
    return parts.joined(separator: ", ")
  }

  func dayOfMonthPart(_ field: String) -> String {
    join(
      CronItem.items(field).map { item in
        switch item {
        case .special(let token):
          switch CronSpecial(token) {
          case .last: return "on the last day of the month"
          case .lastWeekday: return "on the last weekday of the month"
          case .nearestWeekday(let day), .lastOf(let day), .nth(_, let day):
            return "on the weekday nearest day \(day) of the month"
          }
        case .step(let start, let end, let every):
          var text = "every \(every) days of the month"
          if let start, let end {
            text += " from day \(start) through \(end)"
          } else if let start {
            text += " starting on day \(start)"
          }
          return text
        case .range(let from, let to): return "on days \(from) through \(to) of the month"
        case .value(let day): return "on day \(day) of the month"
        case .every: return "every day"
        }
      })
  }

  func dayOfWeekPart(_ field: String) -> String {
    let name = { (token: String) in weekdayNumber(token).map { Self.weekdays[$0] } ?? token }
    return "on "
      + join(
        CronItem.items(field).map { item in
          switch item {
          case .special(let token):
            switch CronSpecial(token) {
            case .last: return "Saturday"
            case .nth(let nth, let day): return "the \(Self.ordinals[nth - 1]) \(name(day)) of the month"
            case .lastOf(let day), .nearestWeekday(let day): return "the last \(name(day)) of the month"
            case .lastWeekday: return "the last \(name("L")) of the month"
            }
          case .range(let from, let to): return "\(name(from)) through \(name(to))"
          case .value(let day): return name(day)
          case .step(_, _, let every): return "every \(every) days of the week"
          case .every: return "every day"
          }
        })
  }

  var sentence: String {
    var parts = [timePart]
    let domRestricted = !(fields[3] == "*" || fields[3] == "?")
    let dowRestricted = !(fields[5] == "*" || fields[5] == "?")
    switch (domRestricted, dowRestricted) {
    case (true, true): parts.append("\(dayOfMonthPart(fields[3])) or \(dayOfWeekPart(fields[5]))")
    case (true, false): parts.append(dayOfMonthPart(fields[3]))
    case (false, true): parts.append(dayOfWeekPart(fields[5]))
    case (false, false): break
    }
    if fields[4] != "*" {
      parts.append(
        "in "
          + list(fields[4], unit: "month", units: "months") {
            monthNumber($0).map { Self.months[$0 - 1] } ?? $0
          })
    }
    if fields[6] != "*" { parts.append("in " + list(fields[6], unit: "year", units: "years")) }
    let text = parts.filter { !$0.isEmpty }.joined(separator: ", ")
    return text.prefix(1).uppercased() + text.dropFirst()
  }
}

struct ChineseCronPhrases {
  let fields: [String]
  static let weekdays = ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"]
  static let ordinals = ["第一个", "第二个", "第三个", "第四个", "第五个"]

  func join(_ parts: [String]) -> String { parts.joined(separator: "、") }

  func list(_ field: String, unit: String, name: (String) -> String = { $0 }) -> String {
    join(
      CronItem.items(field).map { item in
        switch item {
        case .every: return "每\(unit)"
        case .value(let value): return name(value)
        case .range(let from, let to): return "\(name(from))至\(name(to))"
        case .step(let start, let end, let every):
          let step = every == "1" ? "每\(unit)" : "每\(every)\(unit)"
          if let start, let end { return "\(name(start))至\(name(end))\(step)" }
          if let start { return "从\(name(start))起\(step)" }
          return step
        case .special(let token): return token
        }
      })
  }

  var timePart: String {
    let (second, minute, hour) = (fields[0], fields[1], fields[2])
    if isPlainNumber(second), isPlainNumber(minute),
      hour.split(separator: ",").allSatisfy({ isPlainNumber(String($0)) })
    {
      return join(
        hour.split(separator: ",").map {
          "\(twoDigits(String($0))):\(twoDigits(minute)):\(twoDigits(second))"
        })
    }
    var parts: [String] = []
    if hour != "*" {
      if case .step = CronItem(Substring(hour)) {
        parts.append(list(hour, unit: "小时"))
      } else {
        parts.append(list(hour, unit: "小时") { "\($0)点" })
      }
    }
    if minute != "*" {
      if case .step = CronItem(Substring(minute)) {
        parts.append(list(minute, unit: "分钟"))
      } else {
        parts.append(list(minute, unit: "分钟") { "第\($0)分" })
      }
    }
    switch (second, minute) {
    case ("*", _): parts.append("每秒")
    case ("0", "*"): parts.append("每分钟")
    case ("0", _): break
    default:
      if case .step = CronItem(Substring(second)) {
        parts.append(list(second, unit: "秒"))
      } else {
        parts.append(list(second, unit: "秒") { "第\($0)秒" })
      }
    }
    return parts.joined(separator: "，")
  }

  func dayOfMonthPart(_ field: String) -> String {
    join(
      CronItem.items(field).map { item in
        switch item {
        case .special(let token):
          switch CronSpecial(token) {
          case .last: return "每月最后一天"
          case .lastWeekday: return "每月最后一个工作日"
          case .nearestWeekday(let day), .lastOf(let day), .nth(_, let day): return "每月离\(day)日最近的工作日"
          }
        case .step(let start, _, let every): return "每月从\(start ?? "1")日起每\(every)天"
        case .range(let from, let to): return "每月\(from)日至\(to)日"
        case .value(let day): return "每月\(day)日"
        case .every: return "每天"
        }
      })
  }

  func dayOfWeekPart(_ field: String) -> String {
    let name = { (token: String) in weekdayNumber(token).map { Self.weekdays[$0] } ?? token }
    return join(
      CronItem.items(field).map { item in
        switch item {
        case .special(let token):
          switch CronSpecial(token) {
          case .last: return "星期六"
          case .nth(let nth, let day): return "每月\(Self.ordinals[nth - 1])\(name(day))"
          case .lastOf(let day), .nearestWeekday(let day): return "每月最后一个\(name(day))"
          case .lastWeekday: return "每月最后一个\(name("L"))"
          }
        case .range(let from, let to): return "\(name(from))至\(name(to))"
        case .value(let day): return name(day)
        case .step(_, _, let every): return "每\(every)天（按星期）"
        case .every: return "每天"
        }
      })
  }

  var sentence: String {
    var parts: [String] = []
    if fields[6] != "*" { parts.append(list(fields[6], unit: "年") { "\($0)年" }) }
    if fields[4] != "*" { parts.append(list(fields[4], unit: "个月") { "\(monthNumber($0) ?? 0)月" }) }
    let domRestricted = !(fields[3] == "*" || fields[3] == "?")
    let dowRestricted = !(fields[5] == "*" || fields[5] == "?")
    switch (domRestricted, dowRestricted) {
    case (true, true): parts.append("\(dayOfMonthPart(fields[3]))或\(dayOfWeekPart(fields[5]))")
    case (true, false): parts.append(dayOfMonthPart(fields[3]))
    case (false, true): parts.append(dayOfWeekPart(fields[5]))
    case (false, false): if isPlainNumber(fields[2]) || fields[2].contains(",") { parts.append("每天") }
    }
    parts.append(timePart)
    return parts.filter { !$0.isEmpty }.joined(separator: "，")
  }
}
