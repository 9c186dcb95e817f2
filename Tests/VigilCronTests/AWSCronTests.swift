import Testing

@testable import VigilCron

@Suite struct AWSCronTests {
  @Test(arguments: [
    ("0 30 9 * * 1-5 *", "cron(30 9 ? * 2-6 *)"),
    ("0 0 2 1 * ? *", "cron(0 2 1 * ? *)"),
    ("0 0 10 ? * 5#3 *", "cron(0 10 ? * 6#3 *)"),
    ("0 0 10 ? * 5L *", "cron(0 10 ? * 6L *)"),
    ("0 */30 9-17 * * MON-FRI *", "cron(*/30 9-17 ? * MON-FRI *)"),
    ("0 0 8 * * 0,6 2027", "cron(0 8 ? * 1,7 2027)"),
    ("0 0 8 * * 1/2 *", "cron(0 8 ? * 2/2 *)"),
    ("0 0 0 L * ? *", "cron(0 0 L * ? *)"),
    ("*/5 * * * *", "cron(*/5 * * * ? *)"),
  ])
  func translates(scf: String, aws: String) throws {
    #expect(try AWSCron.translate(scf) == aws)
  }

  /// The translation fires at the same instants: read back with EventBridge's weekday numbering undone.
  @Test(arguments: ["0 30 9 * * 1-5 *", "0 0 10 ? * 5#3 *", "0 0 8 * * 0,6 *", "0 15 */6 ? * SUN-TUE *"])
  func firesAtTheSameInstants(scf: String) throws {
    let aws = try AWSCron.translate(scf)
    var fields = aws.dropFirst("cron(".count).dropLast().split(separator: " ").map(String.init)
    fields[4] = fields[4].split(separator: ",").map { part in
      String(part).split(separator: "-").map { end in
        var text = String(end)
        var tail = ""
        if let mark = text.firstIndex(where: { $0 == "#" || $0 == "L" || $0 == "/" }) {
          tail = String(text[mark...])
          text = String(text[..<mark])
        }
        return (Int(text).map { String($0 - 1) } ?? text) + tail
      }.joined(separator: "-")
    }.joined(separator: ",")
    let back = try CronExpression("0 " + fields.joined(separator: " "))
    let original = try CronExpression(scf)
    let zone = Zone.utc
    var instant: Int64 = 1_795_000_000
    for _ in 0..<40 {
      let a = original.next(after: instant, in: zone)
      #expect(a == back.next(after: instant, in: zone), "\(scf) vs \(aws)")
      guard let a else { break }
      instant = a
    }
  }

  @Test(arguments: [
    ("*/5 * * * * * *", "no seconds field"),
    ("30 0 * * * * *", "the seconds field is '30'"),
    ("0 0 12 15 * 1 *", "both day fields are restricted"),
    ("0 0 0 LW * ? *", "'LW'"),
  ])
  func saysWhyWhenItCannot(scf: String, reason: String) {
    #expect {
      try AWSCron.translate(scf)
    } throws: { error in
      (error as? AWSCron.Untranslatable)?.reason.contains(reason) == true
    }
  }
}
