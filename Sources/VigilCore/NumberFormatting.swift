extension String {
  /// `value` with a fixed number of decimals, rounded (Lambda writes "Task timed out after 3.00 seconds").
  package init(_ value: Double, decimals: Int) {
    var scale = 1
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int((abs(value) * Double(scale)).rounded())
    let fraction = String(scaled % scale)
    self =
      (value < 0 && scaled > 0 ? "-" : "") + "\(scaled / scale)"
      + (decimals > 0 ? "." + String(repeating: "0", count: decimals - fraction.count) + fraction : "")
  }
}
