import VigilCron

/// The real clock, moved to start at a given instant (`vigil invoke --now`): time still passes normally.
package struct ShiftedClock: WallClock {
  private let shift: Double

  package init(startingAt start: Instant) {
    shift = start.timeIntervalSince(Instant())
  }

  package var now: Instant { Instant().addingTimeInterval(shift) }

  package func sleep(seconds: Double) async throws {
    try await SystemClock().sleep(seconds: seconds)
  }
}
