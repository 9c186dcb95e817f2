import Testing

@testable import VigilCron

@Suite struct CronExplanationTests {
  @Test(arguments: [
    ("*/5 * * * * * *", "Every 5 seconds", "每5秒"),
    ("0 */5 * * * * *", "Every 5 minutes", "每5分钟"),
    ("0 15 10 * * MON-FRI *", "At 10:15:00, on Monday through Friday", "星期一至星期五，10:15:00"),
    ("0 0 10,14,16 * * * *", "At 10:00:00, 14:00:00 and 16:00:00", "每天，10:00:00、14:00:00、16:00:00"),
    ("0 */30 9-17 * * * *", "Every 30 minutes, during hours 9 through 17", "9点至17点，每30分钟"),
    ("0 0 2 1 * * *", "At 02:00:00, on day 1 of the month", "每月1日，02:00:00"),
    ("0 0 12 * * WED *", "At 12:00:00, on Wednesday", "星期三，12:00:00"),
    ("0 0 0 L * * *", "At 00:00:00, on the last day of the month", "每月最后一天，00:00:00"),
    ("0 0 0 LW * * *", "At 00:00:00, on the last weekday of the month", "每月最后一个工作日，00:00:00"),
    ("0 0 8 15W * * *", "At 08:00:00, on the weekday nearest day 15 of the month", "每月离15日最近的工作日，08:00:00"),
    ("0 0 0 ? * 5#3 *", "At 00:00:00, on the third Friday of the month", "每月第三个星期五，00:00:00"),
    ("0 0 0 ? * 5L *", "At 00:00:00, on the last Friday of the month", "每月最后一个星期五，00:00:00"),
    ("0 0 9 1 * 5 *", "At 09:00:00, on day 1 of the month or on Friday", "每月1日或星期五，09:00:00"),
    ("33 22 11 6 7 * 2021", "At 11:22:33, on day 6 of the month, in July, in 2021", "2021年，7月，每月6日，11:22:33"),
    (
      "0 0 0 1 JAN-MAR * 2030-2032",
      "At 00:00:00, on day 1 of the month, in January through March, in 2030 through 2032",
      "2030年至2032年，1月至3月，每月1日，00:00:00"
    ),
    ("30 * * * * * *", "At second 30, of every minute", "第30秒"),
    ("* * * * * * *", "Every second", "每秒"),
    ("30 4 1 * *", "At 04:30:00, on day 1 of the month", "每月1日，04:30:00"),
  ])
  func describesInBothLanguages(expression: String, english: String, chinese: String) throws {
    let cron = try CronExpression(expression)
    #expect(cron.explanation(in: .english) == english)
    #expect(cron.explanation(in: .chinese) == chinese)
  }
}
