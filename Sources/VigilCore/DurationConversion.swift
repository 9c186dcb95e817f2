extension Double {
  /// These seconds as whole milliseconds for a C timeout (poll, curl): NaN and negatives give 0, anything past
  /// `Int32.max` ms (24.8 days) gives `Int32.max`. Never traps, whatever the input.
  package var clampedMilliseconds: Int32 {
    guard self.isFinite, self > 0 else { return 0 }
    let milliseconds = self * 1000
    return milliseconds >= Double(Int32.max) ? Int32.max : Int32(milliseconds)
  }

  /// These seconds as nanoseconds for `Task.sleep`: NaN and negatives give 0, huge values saturate. Never
  /// traps.
  package var clampedNanoseconds: UInt64 {
    guard self.isFinite, self > 0 else { return 0 }
    let nanoseconds = self * 1_000_000_000
    return nanoseconds >= Double(UInt64.max) ? UInt64.max : UInt64(nanoseconds)
  }
}
