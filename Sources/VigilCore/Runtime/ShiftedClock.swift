#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The real clock, moved to start at a given instant (`vigil invoke --now`): time still passes normally.
public struct ShiftedClock: WallClock {
  private let shift: Double

  public init(startingAt start: Date) {
    shift = start.timeIntervalSince(Date())
  }

  public var now: Date { Date().addingTimeInterval(shift) }

  public func sleep(seconds: Double) async throws {
    try await SystemClock().sleep(seconds: seconds)
  }
}
