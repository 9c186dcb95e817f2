import Foundation

/// The crash-point shim (`Tests/Support/crashpoint/crashpoint.c`), preloaded into one `vigil` process to kill it
/// with SIGKILL just before its Nth write boundary (rename or unlink; with `everyCall`, also write, fsync,
/// connect and send). Test-only: nothing of it is in the binary. Compiled once per test process with the
/// toolchain's clang.
public enum CrashPoint {
  private static let compiled: Result<String, any Error> = Result {
    let output = NSTemporaryDirectory() + "vigil-crashpoint-\(getpid()).so"
    let process = TestProcess()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "clang", "-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-o", output,
      RepositoryPaths.root + "/Tests/Support/crashpoint/crashpoint.c", "-ldl",
    ]
    try process.run()
    let status = process.waitForExit()
    guard status == 0 else {
      throw PeerProcess.PeerError(message: "clang could not build the crash-point shim (exit \(status))")
    }
    return output
  }

  /// The shared library's path (built on first use, off the cooperative pool).
  public static func library() async throws -> String { try await offPool { try compiled.get() } }

  /// The environment that preloads the shim: boundaries are logged to `log`, and the `killAt`-th (1-based)
  /// kills the process before it runs.
  public static func environment(log: String, killAt: Int? = nil, everyCall: Bool = false) async throws
    -> [String: String]
  {
    var environment = ["LD_PRELOAD": try await library(), "VIGIL_CRASH_LOG": log]
    if let killAt { environment["VIGIL_CRASH_AT"] = String(killAt) }
    if everyCall { environment["VIGIL_CRASH_CALLS"] = "all" }
    return environment
  }

  /// The boundaries a run logged, in order: "rename /path", "unlink /path", ...
  public static func boundaries(in log: String) -> [String] {
    guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").map { line in
      String(line.drop { $0 != " " }.dropFirst())
    }
  }

  /// A rendezvous with a preloaded process: `environment(hold:)` makes it signal when it reaches a boundary
  /// (and, with `wait`, stay there until `release()`). Both FIFOs are opened read-write here, so neither side
  /// ever blocks on open.
  public final class Gate: @unchecked Sendable {
    let reached: String
    let release: String
    let reachedDescriptor: Int32
    let releaseDescriptor: Int32

    public init() throws {
      let base = NSTemporaryDirectory() + "vigil-gate-\(UUID().uuidString)"
      reached = base + "-reached"
      release = base + "-release"
      guard mkfifo(reached, 0o600) == 0, mkfifo(release, 0o600) == 0 else {
        throw PeerProcess.PeerError(message: "mkfifo failed: \(String(cString: strerror(errno)))")
      }
      reachedDescriptor = open(reached, O_RDWR | O_CLOEXEC)
      releaseDescriptor = open(release, O_RDWR | O_CLOEXEC)
    }

    deinit {
      close(reachedDescriptor)
      close(releaseDescriptor)
      unlink(reached)
      unlink(release)
    }

    /// The environment that holds the process at the first boundary containing `text`.
    public func environment(hold text: String, wait: Bool) -> [String: String] {
      var environment = ["VIGIL_CRASH_HOLD": text, "VIGIL_CRASH_REACHED": reached]
      if wait { environment["VIGIL_CRASH_RELEASE"] = release }
      return environment
    }

    /// Waits (at most `timeout` seconds) until the process reached the boundary; false if it never did.
    public func waitUntilReached(timeout: Double = 30) async -> Bool {
      let descriptor = reachedDescriptor
      return await offPool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return false }
        var byte: UInt8 = 0
        return read(descriptor, &byte, 1) == 1
      }
    }

    /// Lets a held process go on.
    public func releaseHeld() {
      var byte: UInt8 = 1
      _ = write(releaseDescriptor, &byte, 1)
    }
  }
}
