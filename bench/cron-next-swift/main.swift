// Next-fire throughput of Vigil's cron engine: successive `next` calls (each from the previous fire time),
// for typical and sparse expressions, printed as calls per second. Used by bench/cron-next.
import VigilCron

#if canImport(Glibc)
  import Glibc
#endif

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 3, let calls = Int(arguments[arguments.startIndex + 2]) else {
  print("usage: cron-next-bench '<expr>' ZONE CALLS")
  exit(2)
}
let expression = try CronExpression(arguments[arguments.startIndex])
let zone = try Zone.named(arguments[arguments.startIndex + 1])
let start: Int64 = 1_767_225_600  // 2026-01-01T00:00:00Z
var made = 0
var cursor = start
let elapsed = ContinuousClock().measure {
  for _ in 0..<calls {
    guard let next = expression.next(after: cursor, in: zone) else {
      cursor = start  // sparse expressions that run out restart from the beginning
      continue
    }
    cursor = next
    made += 1
  }
}
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print("\(Int(Double(calls) / seconds)) \(made)")
