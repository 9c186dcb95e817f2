import CSpawn
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A child process for the tests, started with `posix_spawn` directly: the properties the tests set on
/// Foundation's `Process` (executable, arguments, environment, folder, standard streams as `Pipe` or
/// `FileHandle`), without `Process.run()`.
///
/// Foundation's `Process.run()` on Linux reads `/proc/self/fd` with a `dirent` copy that can read past glibc's
/// buffer (swift-corelibs-foundation PR #5472, not in Swift 6.3.1): a test process that starts hundreds of
/// children while holding many descriptors crashed in it now and then (`__memcpy_avx512_unaligned_erms` in
/// `Process.run()`), taking every test in the run with it.
public final class TestProcess: @unchecked Sendable {
  // Safe: the settings are written once before `run()` on the creating thread; afterwards only `pid` and the
  // exit status are read, the status behind a mutex.
  public var executableURL: URL?
  public var arguments: [String] = []
  /// nil: this process's environment.
  public var environment: [String: String]?
  public var currentDirectoryURL: URL?
  /// A `Pipe` (the child gets its read end), a `FileHandle`, or nil (this process's own).
  public var standardInput: Any?
  /// A `Pipe` (the child gets its write end), a `FileHandle`, or nil (this process's own).
  public var standardOutput: Any?
  public var standardError: Any?

  private var pid: pid_t = 0
  private let exitStatus = Mutex<Int32?>(nil)

  public init() {}

  public var processIdentifier: Int32 { pid }

  /// False once the child's end has been collected by `waitForExit`.
  public var isRunning: Bool { pid != 0 && exitStatus.withLock { $0 == nil } }

  /// Sends SIGTERM.
  public func terminate() {
    if isRunning { kill(pid, SIGTERM) }
  }

  public struct SpawnError: Error, CustomStringConvertible {
    public var description: String
  }

  /// Starts the child (in a process group of its own, as Foundation's `Process` does). It holds only its three
  /// standard streams: every other descriptor is closed in it before the program runs.
  public func run() throws {
    guard let executable = executableURL?.path else { throw SpawnError(description: "no executable set") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    posix_spawnattr_setpgroup(&attributes, 0)
    // The parent's copies of the ends the child uses are closed once it runs, so the parent sees end of file.
    var handedOver: [FileHandle] = []
    for (stream, target) in [(standardInput, Int32(0)), (standardOutput, 1), (standardError, 2)] {
      switch stream {
      case let pipe as Pipe:
        let end = target == 0 ? pipe.fileHandleForReading : pipe.fileHandleForWriting
        posix_spawn_file_actions_adddup2(&actions, end.fileDescriptor, target)
        handedOver.append(end)
      case let handle as FileHandle where handle.fileDescriptor >= 0:
        posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target)
      case is FileHandle:  // FileHandle.nullDevice, which has no descriptor of its own
        posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
      default:
        break
      }
    }
    vigil_spawn_file_actions_addclosefrom(&actions, 3)
    if let folder = currentDirectoryURL?.path { vigil_spawn_file_actions_addchdir(&actions, folder) }
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    let entries = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
    let envp = entries.map { strdup($0) } + [nil]
    defer { for pointer in envp { free(pointer) } }
    var child: pid_t = 0
    let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
    guard status == 0 else {
      throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(status)))")
    }
    pid = child
    for end in handedOver { try? end.close() }
  }

  /// Waits for the child to end and returns its exit status, or the signal that killed it. A child still
  /// running after `killAfter` seconds is killed (SIGKILL), so no test waits for ever on one that hangs.
  public func waitForExit(killAfter timeout: Double = 300) -> Int32 {
    if let known = exitStatus.withLock({ $0 }) { return known }
    var status: Int32 = 0
    let deadline = Date().addingTimeInterval(timeout)
    var killed = false
    while true {
      let reaped = waitpid(pid, &status, WNOHANG)
      if reaped == pid {
        let signal = status & 0x7F
        let result = signal == 0 ? (status >> 8) & 0xFF : signal
        exitStatus.withLock { $0 = result }
        return result
      }
      if reaped == -1 && errno != EINTR {
        // Collected by another waiter of this object: its status is there.
        for _ in 0..<5_000 {
          if let known = exitStatus.withLock({ $0 }) { return known }
          usleep(1_000)
        }
        return -1
      }
      if !killed && Date() > deadline {
        FileHandle.standardError.write(
          Data("test support: pid \(pid) still running after \(timeout) s; killing it\n".utf8))
        kill(pid, SIGKILL)
        killed = true
      }
      usleep(2_000)
    }
  }
}
