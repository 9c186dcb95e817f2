import Foundation

/// The crash-point shim (`Tests/Support/crashpoint/crashpoint.c`), preloaded into one `vigil` process to kill it
/// with SIGKILL just before its Nth write boundary (rename or unlink; with `everyCall`, also write, fsync,
/// connect and send). Test-only: nothing of it is in the binary. Compiled once per test process with the
/// toolchain's clang.
public enum CrashPoint {
  private static let compiled: Result<String, any Error> = Result {
    let output = NSTemporaryDirectory() + "vigil-crashpoint-\(getpid()).so"
    let process = Process()
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
}
