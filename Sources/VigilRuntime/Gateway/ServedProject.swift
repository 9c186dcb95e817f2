import Dispatch
import Synchronization
import VigilCore

#if canImport(Glibc)
  import Glibc
#endif

/// What `vigil serve` answers from: the project read and parsed once, and swapped whole when its files change
/// or on SIGHUP. A reload that fails (a YAML error, a bad function config, no endpoint left) keeps the
/// current project serving and says why, as Alertmanager and Gatus do.
package final class ServedProject: Sendable {
  /// Reads the project afresh: serverless.yml and every function's config.yml.
  package typealias Load = @Sendable () throws -> Project
  /// Builds what answers requests from a project that loaded.
  package typealias Serve = @Sendable (Project) -> GatewayFrontend

  /// A project that loaded, what answers from it, and the files it was read from as they were then.
  private struct Loaded: Sendable {
    var frontend: GatewayFrontend
    var stamps: [FileStamp]
  }

  /// A reload's outcome.
  package enum Reload: Sendable, Equatable {
    /// Nothing changed on disk (a file-change check).
    case unchanged
    /// The new project serves now.
    case reloaded(routes: Int)
    /// The new files could not be used; the previous project still serves.
    case kept(problems: [String])
  }

  private let current: Mutex<Loaded>
  private let load: Load
  private let serve: Serve

  /// Serves `initial` (as loaded at start) with its function configurations read now; `load` reads it
  /// again on reload. A function whose config.yml does not parse still fails its own invocations (with the
  /// file's line and column), as before; only a reload refuses such a project.
  package init(initial: Project, load: @escaping Load, serve: @escaping Serve) {
    self.load = load
    self.serve = serve
    let project = initial.preloadingConfigurations().project
    current = Mutex(Loaded(frontend: serve(project), stamps: project.sourceFiles.map(FileStamp.init(path:))))
  }

  /// What answers requests now.
  package var frontend: GatewayFrontend { current.withLock { $0.frontend } }

  /// Reads the project again when `force` (SIGHUP) or when one of its files changed since it was read.
  package func reload(force: Bool) -> Reload {
    let stamps = current.withLock { $0.stamps }
    // Stamped before reading: a file written while it is read is seen as changed at the next check.
    let now = stamps.map { FileStamp(path: $0.path) }
    guard force || now != stamps else { return .unchanged }
    let project: Project
    var problems: [String]
    do {
      (project, problems) = try load().preloadingConfigurations()
    } catch {
      // The files as they are now were looked at: the same broken file is not reported again every second.
      current.withLock { $0.stamps = now }
      return .kept(problems: ["\(error)"])
    }
    let frontend = serve(project)
    if frontend.router.routes.isEmpty {
      problems.append("no function in \(project.config.file) has an apigw endpoint")
    }
    let seen = project.sourceFiles.map { path in
      now.first { $0.path == path } ?? FileStamp(path: path)
    }
    guard problems.isEmpty else {
      current.withLock { $0.stamps = seen }
      return .kept(problems: problems)
    }
    current.withLock { $0 = Loaded(frontend: frontend, stamps: seen) }
    return .reloaded(routes: frontend.router.routes.count)
  }
}

/// A file as `stat` sees it (modification time, size, inode), or its absence: a change in any is a change.
package struct FileStamp: Sendable, Equatable {
  package var path: String
  package var seconds: Int
  package var nanoseconds: Int
  package var size: Int
  package var inode: UInt64
  package var exists: Bool

  package init(path: String) {
    self.path = path
    var info = stat()
    exists = stat(path, &info) == 0
    seconds = exists ? Int(info.st_mtim.tv_sec) : 0
    nanoseconds = exists ? Int(info.st_mtim.tv_nsec) : 0
    size = exists ? Int(info.st_size) : 0
    inode = exists ? UInt64(info.st_ino) : 0
  }
}

/// Keeps a ``ServedProject`` current while `vigil serve` runs: checks its files once a second and reloads at
/// once on SIGHUP, one reload at a time, each logged (what changed, or why the previous project still serves).
package final class ProjectReloading {
  private let queue = DispatchQueue(label: "vigil.serve.reload")
  private let timer: any DispatchSourceTimer
  private let hangup: StopSignals.Subscription

  package init(served: ServedProject, logger: Logger, every interval: Double = 1) {
    let queue = self.queue
    @Sendable func reload(force: Bool) {
      switch served.reload(force: force) {
      case .unchanged: break
      case .reloaded(let routes):
        logger.info(
          "reloaded the project", ["cause": force ? "SIGHUP" : "files changed", "routes": String(routes)])
      case .kept(let problems):
        logger.error(
          "reload failed; still serving the previous project: \(problems.joined(separator: "; "))",
          ["cause": force ? "SIGHUP" : "files changed", "errorType": "ConfigurationError"])
      }
    }
    timer = DispatchSource.makeTimerSource(queue: queue)
    timer.setEventHandler { reload(force: false) }
    let nanoseconds = Int(interval * 1_000_000_000)
    timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
    timer.resume()
    hangup = StopSignals.onHangup { queue.async { reload(force: true) } }
  }

  /// Stops checking (the server is stopping).
  package func stop() {
    hangup.cancel()
    timer.cancel()
  }
}
