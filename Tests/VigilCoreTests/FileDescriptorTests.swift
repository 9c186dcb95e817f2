import Foundation
import Testing

@testable import VigilCore

@Suite struct FileDescriptorTests {
  /// Closing twice (explicitly, then when the owner lets go) closes once: the number, reused by the next
  /// open, stays open.
  @Test func aSecondCloseNeverHitsTheFileThatReusedTheNumber() throws {
    var owner: FileDescriptor? = FileDescriptor(open("/dev/null", O_RDONLY | O_CLOEXEC))
    let number = try #require(owner?.raw)
    #expect(number >= 0)
    owner?.close()
    #expect(owner?.raw == -1)
    #expect(owner?.isClosed == true)
    // Open until the freed number comes back (open gives the lowest free number; lower free ones are held
    // here until then).
    var held: [Int32] = []
    defer { held.forEach { _ = close($0) } }
    while held.count < 256, held.last != number {
      let next = open("/dev/null", O_RDONLY | O_CLOEXEC)
      try #require(next >= 0)
      held.append(next)
    }
    try #require(held.last == number, "another thread took descriptor \(number)")
    owner?.close()
    owner = nil  // deinit closes again: a no-op
    #expect(fcntl(number, F_GETFD) != -1, "descriptor \(number) was closed by its old owner")
  }
}
