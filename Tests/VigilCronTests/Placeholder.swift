import Foundation
import Testing

@testable import VigilCron

@Test func debugDays() throws {
  let e = try CronExpression("0 0 12 15 * * *")
  let zone = try Zone.named("UTC")
  let from = ISO8601.parse("2026-01-01T00:00:00Z")!.date(in: zone)
  print(e.nextDates(after: from, count: 2, in: zone))
  let args = ["0 0 12 15 * * *"]
  let e3 = try CronExpression(args[0])
  print(e3.nextDates(after: from, count: 2, in: zone), e3.fields)
}
