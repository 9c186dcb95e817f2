import Foundation

/// A real Kafka-compatible broker (Tansu) on loopback, started by `peers/kafka_broker.py`; one per test, since
/// its memory storage is the test's own. With `gated`, clients reach it through `peers/kafka_sasl_gate.py`
/// (TLS with a test CA, SASL user `vigil` / `s3cret-Pass`).
public final class KafkaTestBroker: Sendable {
  public let process: PeerProcess
  /// `127.0.0.1:PORT`.
  public let bootstrap: String
  /// The gate's CA certificate, when gated.
  public let caFile: String?

  private init(process: PeerProcess) throws {
    self.process = process
    guard let bootstrap = process.values["bootstrap"] else {
      throw PeerProcess.PeerError(message: "kafka_broker.py printed no bootstrap")
    }
    self.bootstrap = bootstrap
    self.caFile = process.values["ca"]
  }

  /// Starts a broker, off Swift's cooperative pool.
  public static func start(gated: Bool = false) async throws -> KafkaTestBroker {
    try await offPool {
      try KafkaTestBroker(
        process: PeerProcess(
          ["python3", RepositoryPaths.peer("kafka_broker.py")] + (gated ? ["--gate"] : [])))
    }
  }

  /// Creates `topic` if needed, produces `records` per partition (one per batch) and commits `group` at
  /// `offsets` ("40,90,-"; "-" skips a partition, all "-" commits nothing). Returns the end offsets JSON.
  @discardableResult
  public func seed(
    topic: String, partitions: Int = 3, records: Int, group: String, offsets: String, sasl: String? = nil
  ) async throws -> String {
    let bootstrap = self.bootstrap
    let caFile = self.caFile ?? ""
    var environment = ProcessInfo.processInfo.environment
    if let sasl { environment["KAFKA_SASL"] = "\(sasl):vigil:s3cret-Pass:\(caFile)" }
    let output = try await runToEnd(
      [
        RepositoryPaths.root + "/.peers/venv/bin/python", RepositoryPaths.peer("kafka_seed.py"), bootstrap,
        topic,
        String(partitions), String(records), group, offsets,
      ], environment: environment, checked: true)
    return String(decoding: output, as: UTF8.self)
  }

  /// A live member of `group` subscribed to `topic` that never commits; stop it to make it leave.
  public func member(group: String, topic: String) async throws -> PeerProcess {
    let bootstrap = self.bootstrap
    return try await offPool {
      try PeerProcess(
        [
          RepositoryPaths.root + "/.peers/venv/bin/python", RepositoryPaths.peer("kafka_member.py"),
          bootstrap, group, topic,
        ], timeout: 90)
    }
  }

  /// Stops the broker and waits for it to exit.
  public func stop() async {
    let process = self.process
    await offPool { process.stop() }
  }
}

/// Runs a program (through /usr/bin/env) to its end off the cooperative pool and returns its standard output;
/// a non-zero exit is an error when `checked`.
public func runToEnd(_ arguments: [String], environment: [String: String]? = nil, checked: Bool = false)
  async throws
  -> Data
{
  try await offPool {
    let process = TestProcess()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let environment { process.environment = environment }
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    // Killed after two minutes: a client that hangs ends its pipe, so the read below ends too.
    let watchdog = DispatchWorkItem { [process] in
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    DispatchQueue(label: "vigil.tests.blocking").asyncAfter(deadline: .now() + 120, execute: watchdog)
    defer { watchdog.cancel() }
    let data = output.fileHandleForReading.readUntilEnd()
    let status = process.waitForExit()
    if checked && status != 0 {
      throw PeerProcess.PeerError(
        message: "\(arguments.prefix(2).joined(separator: " ")) exited with \(status)")
    }
    return data
  }
}

/// Runs blocking work (process start, waits) on its own thread, never on Swift's cooperative pool.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    DispatchQueue(label: "vigil.tests.blocking").async { continuation.resume(with: Result { try work() }) }
  }
}

/// Runs blocking work that cannot fail off Swift's cooperative pool.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
  await withCheckedContinuation { continuation in
    DispatchQueue(label: "vigil.tests.blocking").async { continuation.resume(returning: work()) }
  }
}
