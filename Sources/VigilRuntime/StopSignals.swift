import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// SIGTERM and SIGINT as requests to stop: the long-running commands (`schedule`, `serve`, `runtime`) finish
/// what is in flight instead of dying.
///
/// The signals go from the default action straight to a handler that writes the signal's number to a pipe (no
/// moment where they are ignored and a stop request would be lost, whichever thread the kernel picks); one
/// thread reads the pipe and calls the subscribers.
package enum StopSignals {
  /// A subscription from `install`; `cancel()` stops its handler from being called.
  package final class Subscription: Sendable {
    let identifier: Int

    init(identifier: Int) { self.identifier = identifier }

    /// Stops calling this subscription's handler (a stop or a hangup one: they share the numbering).
    package func cancel() { Relay.shared.remove(identifier) }

    deinit { Relay.shared.remove(identifier) }
  }

  /// Makes SIGTERM and SIGINT call `handler` with the signal's name instead of ending the process. Keep the
  /// subscription for as long as the handler should run.
  package static func install(_ handler: @escaping @Sendable (String) -> Void) -> Subscription {
    Subscription(identifier: Relay.shared.add(handler))
  }

  /// Makes SIGHUP call `handler` (`vigil serve` reloads its project) instead of ending the process. Until the
  /// first subscription SIGHUP keeps its default action, so commands that do not reload still end on it.
  package static func onHangup(_ handler: @escaping @Sendable () -> Void) -> Subscription {
    Subscription(identifier: Relay.shared.addHangup(handler))
  }

  /// Waits for the first SIGTERM or SIGINT; returns its name.
  package static func next() async -> String {
    let waiting = Mutex<(continuation: CheckedContinuation<String, Never>?, subscription: Subscription?)>(
      (nil, nil))
    let name = await withCheckedContinuation { continuation in
      waiting.withLock { $0.continuation = continuation }
      let subscription = install { name in
        let resume = waiting.withLock { state -> CheckedContinuation<String, Never>? in
          defer { state.continuation = nil }
          return state.continuation
        }
        resume?.resume(returning: name)
      }
      waiting.withLock { $0.subscription = subscription }
    }
    waiting.withLock { $0.subscription?.cancel() }
    return name
  }
}

/// The write end of the signal pipe; set once, before any handler can run, and never closed.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The process's one signal relay: the pipe, the handlers, the reading thread.
private final class Relay: Sendable {
  static let shared = Relay()

  private struct Subscribers {
    var next = 0
    var handlers: [Int: @Sendable (String) -> Void] = [:]
    var hangup: [Int: @Sendable () -> Void] = [:]
    var hangupInstalled = false
  }

  private let subscribers = Mutex(Subscribers())

  private init() {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else {
      // Without a pipe the signals keep their default action: the process ends at once, as before.
      return
    }
    // Close-on-exec: the ends never leak into a program a check starts.
    _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
    signalPipeWriteEnd = ends[1]
    let readEnd = ends[0]
    for number in [SIGTERM, SIGINT] { Self.relay(number) }
    let thread = DispatchQueue(label: "vigil.signals")
    thread.async { [self] in
      var byte: UInt8 = 0
      while true {
        let count = read(readEnd, &byte, 1)
        if count == 1 {
          deliver(Int32(byte))
        } else if count == -1 && errno == EINTR {
          continue
        } else {
          return
        }
      }
    }
  }

  /// Points `number` at the handler that writes it to the pipe.
  private static func relay(_ number: Int32) {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { number in
      var byte = UInt8(truncatingIfNeeded: number)
      let saved = errno
      _ = write(signalPipeWriteEnd, &byte, 1)
      errno = saved
    }
    sigemptyset(&action.sa_mask)
    action.sa_flags = SA_RESTART
    sigaction(number, &action, nil)
  }

  func addHangup(_ handler: @escaping @Sendable () -> Void) -> Int {
    let (identifier, install) = subscribers.withLock { state -> (Int, Bool) in
      defer { state.next += 1 }
      state.hangup[state.next] = handler
      let install = !state.hangupInstalled
      state.hangupInstalled = true
      return (state.next, install)
    }
    if install && signalPipeWriteEnd >= 0 { Self.relay(SIGHUP) }
    return identifier
  }

  func add(_ handler: @escaping @Sendable (String) -> Void) -> Int {
    subscribers.withLock { state in
      defer { state.next += 1 }
      state.handlers[state.next] = handler
      return state.next
    }
  }

  func remove(_ identifier: Int) {
    subscribers.withLock {
      $0.handlers[identifier] = nil
      $0.hangup[identifier] = nil
    }
  }

  /// Calls every subscriber; with none left (a second Ctrl-C while stopping), the signal ends the process as
  /// it would by default.
  private func deliver(_ number: Int32) {
    if number == SIGHUP {
      // Once relayed, a hangup with no subscriber left is dropped: the process asked to reload, not to end.
      for handler in subscribers.withLock({ Array($0.hangup.values) }) { handler() }
      return
    }
    let handlers = subscribers.withLock { Array($0.handlers.values) }
    guard !handlers.isEmpty else {
      signal(number, SIG_DFL)
      raise(number)
      return
    }
    for handler in handlers { handler(number == SIGTERM ? "SIGTERM" : "SIGINT") }
  }
}
