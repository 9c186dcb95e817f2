import Foundation
import TestSupport

/// What one run of the `vigil` binary did.
struct VigilRun {
  var status: Int32
  var stdout: String
  var stderr: String

  /// stdout split into lines (no trailing empty line).
  var lines: [String] {
    stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
  }

  /// stderr's JSON log lines, decoded.
  var logRecords: [[String: Any]] {
    stderr.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
  }
}

/// Runs the built `vigil` with `arguments` in `directory`, feeding `input` on stdin. A run still going after
/// `timeout` seconds is killed (status 9, the signal), so a hang fails one test instead of stalling the suite.
func vigil(
  _ arguments: [String], in directory: String = RepositoryPaths.root, input: String = "",
  environment: [String: String] = [:], timeout: Double = 60
) async throws -> VigilRun {
  // The wait happens on a Dispatch thread: blocking Swift's cooperative pool would stall every other test.
  try await withCheckedThrowingContinuation { continuation in
    DispatchQueue(label: "vigil.tests.blocking").async {
      continuation.resume(
        with: Result {
          try runVigil(arguments, in: directory, input: input, environment: environment, timeout: timeout)
        })
    }
  }
}

private func runVigil(
  _ arguments: [String], in directory: String, input: String, environment: [String: String], timeout: Double
) throws -> VigilRun {
  let process = TestProcess()
  process.executableURL = URL(fileURLWithPath: RepositoryPaths.products + "/vigil")
  process.arguments = arguments
  process.currentDirectoryURL = URL(fileURLWithPath: directory)
  var env = ProcessInfo.processInfo.environment
  env["VIGIL_STATE_DIR"] = NSTemporaryDirectory() + "vigil-cli-state-\(UUID().uuidString)"
  env.merge(environment) { _, new in new }
  process.environment = env
  let stdin = Pipe()
  let stdout = Pipe()
  let stderr = Pipe()
  process.standardInput = stdin
  process.standardOutput = stdout
  process.standardError = stderr
  try process.run()
  let watchdog = DispatchWorkItem { [process] in
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
  }
  DispatchQueue(label: "vigil.tests.blocking").asyncAfter(deadline: .now() + timeout, execute: watchdog)
  defer { watchdog.cancel() }
  stdin.fileHandleForWriting.write(Data(input.utf8))
  try stdin.fileHandleForWriting.close()
  // Read both pipes to the end before waiting, so a chatty process cannot block on a full pipe.
  let group = DispatchGroup()
  nonisolated(unsafe) var out = Data()
  nonisolated(unsafe) var err = Data()
  DispatchQueue(label: "vigil.tests.blocking").async(group: group) {
    out = stdout.fileHandleForReading.readUntilEnd()
  }
  DispatchQueue(label: "vigil.tests.blocking").async(group: group) {
    err = stderr.fileHandleForReading.readUntilEnd()
  }
  group.wait()
  let status = process.waitForExit()
  return VigilRun(
    status: status, stdout: String(decoding: out, as: UTF8.self),
    stderr: String(decoding: err, as: UTF8.self))
}

/// A throw-away project folder with the given serverless.yml and function files.
func makeProject(_ serverless: String, files: [String: String] = [:]) throws -> String {
  let folder = NSTemporaryDirectory() + "vigil-cli-\(UUID().uuidString)"
  try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  try serverless.write(toFile: folder + "/serverless.yml", atomically: true, encoding: .utf8)
  for (path, text) in files {
    let full = folder + "/" + path
    try FileManager.default.createDirectory(
      atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: full, atomically: true, encoding: .utf8)
  }
  return folder
}

/// A project with one function named `web` (`website-status` unless `handler` says otherwise; more of its
/// settings, such as `events:`, in `functionSettings`) whose alerts go to webhook channels on the shared
/// capture peer: `hooks` maps each channel name to its path there (`/hook/ok/<tag>`); every channel is signed
/// with `${env:HOOK_SECRET}`. `alerting` is the body of `custom.vigil.alerting`, one setting per line.
func webhookProject(
  hooks: [(channel: String, path: String)], alerting: String, timeout: Int = 10,
  handler: String = "website-status",
  functionSettings: String = "", files: [String: String]
) async throws -> String {
  let base = try await WebhookTestPeer.base()
  let channels = hooks.map {
    "      \($0.channel): {type: webhook, url: '\(base)\($0.path)', secret: '${env:HOOK_SECRET}'}"
  }
  let settings = alerting.split(separator: "\n").map { "      " + $0 }
  let lines =
    ["custom:", "  vigil:", "    channels:"] + channels + ["    alerting:"] + settings + [
      "functions:", "  web:", "    handler: \(handler)", "    timeout: \(timeout)",
    ] + functionSettings.split(separator: "\n").map { "    " + $0 }
  return try makeProject(lines.joined(separator: "\n") + "\n", files: files)
}

/// Each delivery the capture peer received under `prefix`: the targets of its firing notices, sorted.
func firingTargets(prefix: String) async throws -> [[String]] {
  try await WebhookTestPeer.requests(prefix: prefix).map { request in
    let body = Data((request["body"] as? String ?? "").utf8)
    let payload = try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
    return (payload["alerts"] as? [[String: Any]] ?? []).filter { $0["status"] as? String == "firing" }
      .compactMap { ($0["labels"] as? [String: String])?["target"] }.sorted()
  }
}

/// A Redis store URL (the shared test server, an ACL user with a password) under a key prefix no other test uses.
func redisStoreURL(_ name: String) async throws -> String {
  let server = try await RedisTestPeer.server()
  return
    "redis://\(server.user):\(server.password)@127.0.0.1:\(server.port)/0?prefix=\(name)-\(UUID().uuidString):"
}
