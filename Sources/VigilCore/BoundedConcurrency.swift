extension Array where Element: Sendable {
  /// `transform` applied to every element with at most `limit` running at once; results in element order.
  package func concurrentMap<T: Sendable>(limit: Int, _ transform: @escaping @Sendable (Element) async -> T)
    async -> [T]
  {
    await withTaskGroup(of: (Int, T).self) { group in
      var results: [(Int, T)] = []
      results.reserveCapacity(count)
      var next = 0
      func start() {
        let index = next
        let element = self[index]
        group.addTask { (index, await transform(element)) }
        next += 1
      }
      while next < Swift.min(Swift.max(1, limit), count) { start() }
      while let result = await group.next() {
        results.append(result)
        if next < count { start() }
      }
      return results.sorted { $0.0 < $1.0 }.map(\.1)
    }
  }
}
