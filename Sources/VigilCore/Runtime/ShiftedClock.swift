#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The real clock, moved to start at a given instant (`vigil invoke --now`): time still passes normally.
package struct ShiftedClock: WallClock {
  private let shift: Double

  package init(startingAt start: Date) {
    shift = start.timeIntervalSince(Date())
  }

  package var now: Date { Date().addingTimeInterval(shift) }

  package func sleep(seconds: Double) async throws {
    try await SystemClock().sleep(seconds: seconds)
  }
}
