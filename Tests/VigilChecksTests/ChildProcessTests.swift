import Testing

@testable import VigilChecks

#if canImport(Glibc)
  import Glibc
#endif

/// What a command run by the exec handler gets of this process: its three standard streams, nothing else.
@Suite struct ChildProcessTests {
  @Test func aCommandInheritsOnlyItsStandardStreams() throws {
    // Descriptors this process holds without close-on-exec, as a library might open them.
    let file = open("/dev/null", O_RDONLY)
    let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #expect(file >= 3 && sock >= 3)
    defer {
      close(file)
      close(sock)
    }
    #expect(fcntl(file, F_GETFD) & FD_CLOEXEC == 0, "the test's own descriptor is inheritable")
    let run = try ChildProcess.run(
      ["/bin/ls", "/proc/self/fd"], environment: ["PATH": "/usr/bin:/bin"], directory: nil, input: [],
      timeout: 10, maxOutputBytes: 65_536)
    #expect(run.termination == .exited(0))
    let listed = String(decoding: run.stdout, as: UTF8.self).split(separator: "\n").compactMap { Int32($0) }
    // 0-2, and the one ls opened to read the folder.
    #expect(listed.filter { $0 > 3 }.isEmpty, "the command held \(listed)")
    #expect(!listed.contains(file) || file == 3, "it held the test's file")
    #expect(Set(listed).isSuperset(of: [0, 1, 2]))
  }
}
