import Foundation

/// A process run to its end within a bound: its status and output.
struct Finished {
  var status: Int32
  var stdout: String
  var stderr: String
}

enum Paths {
  /// This package's folder.
  static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path
  /// The Vigil repository (two folders up).
  static let vigil = URL(fileURLWithPath: package + "/../..").standardizedFileURL.path
  /// The built `custom-check`, next to the running test bundle.
  static let binary: String = {
    let executable =
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? CommandLine.arguments[0]
    return URL(fileURLWithPath: executable).deletingLastPathComponent().path + "/custom-check"
  }()
}

/// Runs `arguments` in `folder` with `environment` added; killed after `timeout` seconds.
func run(
  _ arguments: [String], in folder: String = Paths.package, environment: [String: String] = [:],
  timeout: Double = 60
) throws -> Finished {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: arguments[0])
  process.arguments = Array(arguments.dropFirst())
  process.currentDirectoryURL = URL(fileURLWithPath: folder)
  process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  let ended = DispatchSemaphore(value: 0)
  process.terminationHandler = { _ in ended.signal() }
  try process.run()
  // Read both pipes to their end while the process runs (a full pipe would block it).
  let stdout = Collected()
  let stderr = Collected()
  let readers = DispatchGroup()
  DispatchQueue.global().async(group: readers) {
    stdout.data = out.fileHandleForReading.readDataToEndOfFile()
  }
  DispatchQueue.global().async(group: readers) {
    stderr.data = err.fileHandleForReading.readDataToEndOfFile()
  }
  if ended.wait(timeout: .now() + timeout) == .timedOut {
    process.terminate()
    ended.wait()
  }
  readers.wait()
  return Finished(
    status: process.terminationStatus, stdout: String(decoding: stdout.data, as: UTF8.self),
    stderr: String(decoding: stderr.data, as: UTF8.self))
}

/// What one reader collected (written by its reader only, read after the group is waited for).
final class Collected: @unchecked Sendable {
  var data = Data()
}

/// Python's http.server on a free loopback port, serving a folder: the queue's depth endpoint.
final class DepthServer: @unchecked Sendable {
  // Safe: set up in init, then only read.
  let folder: String
  let port: Int
  private let process: Process

  init() throws {
    folder = NSTemporaryDirectory() + "queue-depth-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = ["-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", folder, "0"]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    // It prints "Serving HTTP on 127.0.0.1 port N (…)" once it listens.
    var text = ""
    while !text.contains(") ...") {
      let chunk = out.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      text += String(decoding: chunk, as: UTF8.self)
    }
    guard let range = text.range(of: "port "),
      let port = Int(text[range.upperBound...].prefix { $0.isNumber })
    else {
      process.terminate()
      throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "http.server said: \(text)"])
    }
    self.port = port
  }

  /// Makes `GET /name` answer `body`.
  func serve(_ name: String, _ body: String) throws {
    try body.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
  }

  func url(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name)" }

  /// Kills the server (SIGKILL: a test process may hand its children SIGTERM blocked) and waits for it.
  func stop() {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }
}
