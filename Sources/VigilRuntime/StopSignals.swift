import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// SIGTERM and SIGINT as requests to stop: the long-running commands (`schedule`, `serve`, `runtime`) finish
/// what is in flight instead of dying.
public enum StopSignals {
  /// Makes SIGTERM and SIGINT call `handler` with the signal's name instead of ending the process. Keep the
  /// sources for as long as the handler should run; cancelling them stops it.
  public static func install(_ handler: @escaping @Sendable (String) -> Void) -> [any DispatchSourceSignal] {
    let queue = DispatchQueue(label: "vigil.signals")
    return [SIGTERM, SIGINT].map { number in
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
      source.setEventHandler { handler(number == SIGTERM ? "SIGTERM" : "SIGINT") }
      source.resume()
      return source
    }
  }

  /// Waits for the first SIGTERM or SIGINT; returns its name.
  public static func next() async -> String {
    let waiting = Mutex<
      (continuation: CheckedContinuation<String, Never>?, sources: [any DispatchSourceSignal])
    >(
      (nil, []))
    return await withCheckedContinuation { continuation in
      waiting.withLock { $0.continuation = continuation }
      let sources = install { name in
        let resume = waiting.withLock { state -> CheckedContinuation<String, Never>? in
          defer { state.continuation = nil }
          return state.continuation
        }
        resume?.resume(returning: name)
      }
      waiting.withLock { $0.sources = sources }
    }
  }
}
