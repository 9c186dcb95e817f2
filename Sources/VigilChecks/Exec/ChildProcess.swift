import CSpawn
import Dispatch
import VigilCore

#if canImport(Glibc)
  import Glibc
#endif
/// How a child process ended.
package enum ChildTermination: Sendable, Equatable {
  case exited(Int32)
  case signalled(Int32)
  /// Still running (or holding its output open) at the deadline: its whole process group was killed.
  case timedOut(Double)

  /// Why a command did not end by itself, in words (nil for an exit), for every protocol's messages.
  package var abnormalEnd: String? {
    switch self {
    case .exited: nil
    case .signalled(let signal): "killed by signal \(signal)"
    case .timedOut(let seconds): "timed out after \(seconds.shortText) s (its process group was killed)"
    }
  }
}

extension Double {
  /// `5`, `0.25`, `1.5`: a number as short as it reads, for messages.
  package var shortText: String { self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self) }
}

/// What a child process did: how it ended and what it wrote (each stream kept up to the bound).
package struct ChildRun: Sendable {
  package var termination: ChildTermination
  package var stdout: [UInt8]
  package var stderr: [UInt8]
  /// The stream was longer than the bound: the rest was read and dropped.
  package var stdoutCut: Bool
  package var stderrCut: Bool
  package var seconds: Double
}

/// A command that could not be started (no such file, not executable, bad folder).
package struct ChildLaunchError: Error, Sendable, CustomStringConvertible {
  package var description: String
}

/// Runs a command as the leader of its own process group, with only the environment given, standard input
/// written from `input`, both output streams read to their end (kept up to `maxOutputBytes` each), and the
/// whole group killed with SIGKILL at the deadline - a plugin's own children with it. Blocking: call it off the
/// cooperative pool (``BlockingWork``). Each pipe end has one owner and is closed once.
package enum ChildProcess {
  package static func run(
    _ arguments: [String], environment: [String: String], directory: String?, input: [UInt8],
    timeout: Double, maxOutputBytes: Int
  ) throws(ChildLaunchError) -> ChildRun {
    guard let program = arguments.first else { throw ChildLaunchError(description: "empty command") }
    // A command that does not read its input closes the pipe: that must be EPIPE here, not SIGPIPE's end of
    // the whole process (the child gets the default disposition back below).
    signal(SIGPIPE, SIG_IGN)
    let started = DispatchTime.now().uptimeNanoseconds
    let deadline = started + UInt64(max(0, timeout) * 1e9)
    let (stdinRead, stdinWrite) = try pipePair()
    let (stdoutRead, stdoutWrite) = try pipePair()
    let (stderrRead, stderrWrite) = try pipePair()

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, stdinRead.raw, 0)
    posix_spawn_file_actions_adddup2(&actions, stdoutWrite.raw, 1)
    posix_spawn_file_actions_adddup2(&actions, stderrWrite.raw, 2)
    // Nothing else of this process reaches the command: not the pipe ends above, not a connection or file
    // another part of Vigil opened without close-on-exec.
    vigil_spawn_file_actions_addclosefrom(&actions, 3)
    if let directory { vigil_spawn_file_actions_addchdir(&actions, directory) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // Its own process group (so the group can be killed), no blocked signals, default dispositions: a parent
    // that blocks or ignores SIGTERM or SIGPIPE must not pass that on.
    var none = sigset_t()
    sigemptyset(&none)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv { free(pointer) }
      for pointer in envp { free(pointer) }
    }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, program, &actions, &attributes, argv, envp)
    // The child's ends belong to the child now.
    stdinRead.close()
    stdoutWrite.close()
    stderrWrite.close()
    guard spawned == 0 else {
      throw ChildLaunchError(description: "cannot run \(program): \(String(cString: strerror(spawned)))")
    }
    for descriptor in [stdinWrite, stdoutRead, stderrRead] {
      _ = fcntl(descriptor.raw, F_SETFL, fcntl(descriptor.raw, F_GETFL) | O_NONBLOCK)
    }

    var stdout = Captured(limit: maxOutputBytes)
    var stderr = Captured(limit: maxOutputBytes)
    var pending = input[...]
    if pending.isEmpty { stdinWrite.close() }
    var status: Int32?
    var timedOut = false
    while true {
      if status == nil { status = reap(pid) }
      let outputOpen = !stdoutRead.isClosed || !stderrRead.isClosed
      if status != nil && !outputOpen { break }
      let now = DispatchTime.now().uptimeNanoseconds
      if now >= deadline {
        // A command that ended but left a child holding its output open has still ended.
        timedOut = status == nil
        break
      }
      // Output still open: wait for it. Output closed but the child not reaped yet: look again shortly.
      let wait = outputOpen ? Int32(min(1000, (deadline - now) / 1_000_000 + 1)) : 5
      var polled = [
        pollfd(fd: stdoutRead.raw, events: Int16(POLLIN), revents: 0),
        pollfd(fd: stderrRead.raw, events: Int16(POLLIN), revents: 0),
        pollfd(fd: stdinWrite.raw, events: Int16(POLLOUT), revents: 0),
      ]
      let ready = poll(&polled, nfds_t(polled.count), wait)
      if ready < 0 && errno != EINTR { break }
      if polled[0].revents != 0 { stdout.read(from: stdoutRead) }
      if polled[1].revents != 0 { stderr.read(from: stderrRead) }
      if polled[2].revents != 0 { write(&pending, to: stdinWrite) }
    }
    // The group goes at the deadline; after a normal end, whatever the command left running in it goes too.
    kill(-pid, SIGKILL)
    if status == nil { status = reapBlocking(pid) }
    stdinWrite.close()
    stdoutRead.close()
    stderrRead.close()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    let termination: ChildTermination
    if timedOut {
      termination = .timedOut(timeout)
    } else if let status, status & 0x7f == 0 {
      termination = .exited((status >> 8) & 0xff)
    } else {
      termination = .signalled((status ?? 0) & 0x7f)
    }
    return ChildRun(
      termination: termination, stdout: stdout.bytes, stderr: stderr.bytes, stdoutCut: stdout.cut,
      stderrCut: stderr.cut, seconds: seconds)
  }

  /// One output stream: the first `limit` bytes kept, the rest read and dropped so the child never blocks.
  struct Captured {
    var limit: Int
    var bytes: [UInt8] = []
    var cut = false

    mutating func read(from descriptor: FileDescriptor) {
      var buffer = [UInt8](repeating: 0, count: 64 * 1024)
      while true {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor.raw, $0.baseAddress, $0.count) }
        if count > 0 {
          let room = max(0, limit - bytes.count)
          if count > room { cut = true }
          bytes += buffer[..<min(count, room)]
          continue
        }
        if count == 0 || (errno != EAGAIN && errno != EINTR) { descriptor.close() }
        return
      }
    }
  }

  static func write(_ pending: inout ArraySlice<UInt8>, to descriptor: FileDescriptor) {
    guard !pending.isEmpty else {
      descriptor.close()
      return
    }
    let count = pending.withUnsafeBytes { Glibc.write(descriptor.raw, $0.baseAddress, $0.count) }
    if count > 0 {
      pending = pending.dropFirst(count)
      if pending.isEmpty { descriptor.close() }
    } else if errno != EAGAIN && errno != EINTR {
      descriptor.close()  // the command stopped reading: the rest of its input is not wanted
      pending = []
    }
  }

  static func reap(_ pid: pid_t) -> Int32? {
    var status: Int32 = 0
    let result = waitpid(pid, &status, WNOHANG)
    return result == pid ? status : nil
  }

  static func reapBlocking(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status
  }

  static func pipePair() throws(ChildLaunchError) -> (read: FileDescriptor, write: FileDescriptor) {
    var ends: [Int32] = [-1, -1]
    guard vigil_pipe_cloexec(&ends) == 0 else {
      throw ChildLaunchError(description: "cannot make a pipe: \(String(cString: strerror(errno)))")
    }
    return (FileDescriptor(ends[0]), FileDescriptor(ends[1]))
  }
}
