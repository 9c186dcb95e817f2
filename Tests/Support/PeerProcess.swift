import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A helper process for integration tests (an HTTP server, an SMTP server…) that prints a `READY k=v …`
/// line when it is listening, and exits when its standard input closes, so it never outlives the tests.
public final class PeerProcess: @unchecked Sendable {
  // Safe: `process` and `stdin` are set once in init and only read afterwards.
  public let values: [String: String]
  private let process: TestProcess
  private let stdin: Pipe

  /// Starts `arguments` and waits (up to `timeout` seconds) for its READY line.
  public init(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 30) throws {
    process = TestProcess()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { _, new in new }
    process.environment = env
    stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = FileHandle.standardError
    try process.run()
    let reader = stdout.fileHandleForReading
    let deadline = Date().addingTimeInterval(timeout)
    var buffer = Data()
    // poll(2) with the time left, so a peer that hangs before printing anything cannot hold the test.
    var poller = pollfd(fd: reader.fileDescriptor, events: Int16(POLLIN), revents: 0)
    while !buffer.contains(10) {
      let left = deadline.timeIntervalSinceNow
      guard left > 0 else { break }
      let ready = poll(&poller, 1, Int32(min(left, 1) * 1000))
      if ready == 0 || (ready == -1 && errno == EINTR) { continue }
      var bytes = [UInt8](repeating: 0, count: 4096)
      let count = read(reader.fileDescriptor, &bytes, bytes.count)
      if count <= 0 { break }
      buffer.append(contentsOf: bytes[0..<count])
    }
    let line = String(decoding: buffer.prefix { $0 != 10 }, as: UTF8.self)
    guard line.hasPrefix("READY") else {
      process.terminate()
      _ = process.waitForExit(killAfter: 10)
      throw PeerError(
        message: "\(arguments.joined(separator: " ")) did not become ready within \(timeout) s: '\(line)'")
    }
    var parsed: [String: String] = [:]
    for pair in line.split(separator: " ").dropFirst() {
      let parts = pair.split(separator: "=", maxSplits: 1)
      if parts.count == 2 { parsed[String(parts[0])] = String(parts[1]) }
    }
    values = parsed
  }

  /// Stops the peer.
  public func stop() {
    try? stdin.fileHandleForWriting.close()
    if process.isRunning { process.terminate() }
    _ = process.waitForExit(killAfter: 20)
  }

  deinit { stop() }

  /// Reads a lazily started shared peer on a Dispatch thread: starting one blocks, and blocking Swift's
  /// cooperative pool would stall every other test.
  public static func resolve(_ shared: @escaping @Sendable () -> Result<PeerProcess, any Error>) async throws
    -> PeerProcess
  {
    try await withCheckedThrowingContinuation { continuation in
      DispatchQueue(label: "vigil.tests.blocking").async { continuation.resume(with: shared()) }
    }
  }

  public struct PeerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
  }
}

/// Paths inside the repository, found from this source file.
public enum RepositoryPaths {
  /// The repository root.
  public static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  /// A file under `Tests/Support/peers/`.
  public static func peer(_ name: String) -> String { "\(root)/Tests/Support/peers/\(name)" }

  /// The folder holding the built products (`vigil`), next to the running test bundle.
  public static let products: String = {
    let executable =
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? CommandLine.arguments[0]
    return URL(fileURLWithPath: executable).deletingLastPathComponent().path
  }()
}

/// The shared loopback HTTP/HTTPS peer, started once per test process.
public enum HTTPTestPeer {
  private static let shared: Result<PeerProcess, any Error> = Result {
    try PeerProcess(["python3", RepositoryPaths.peer("http_test_server.py")])
  }

  /// The running peer (started on first use).
  public static func peer() async throws -> PeerProcess { try await PeerProcess.resolve { shared } }

  /// `http://127.0.0.1:PORT` of the plain listener.
  public static func httpBase() async throws -> String {
    "http://127.0.0.1:\(try await peer().values["http"] ?? "0")"
  }

  /// `https://127.0.0.1:PORT` of the TLS listener (certificate signed by `caFile()`).
  public static func httpsBase() async throws -> String {
    "https://127.0.0.1:\(try await peer().values["https"] ?? "0")"
  }

  /// `https://127.0.0.1:PORT` of a TLS listener whose certificate (same CA) expired in 2020.
  public static func expiredBase() async throws -> String {
    "https://127.0.0.1:\(try await peer().values["expired"] ?? "0")"
  }

  /// The CA that signed the TLS listener's certificate.
  public static func caFile() async throws -> String { try await peer().values["ca"] ?? "" }
}

/// The loopback stand-ins for the Globalping API and a form-scrape speed-test service, started once per test
/// process (`peers/region_test_server.py`).
public enum RegionTestPeer {
  private static let shared: Result<PeerProcess, any Error> = Result {
    try PeerProcess(["python3", RepositoryPaths.peer("region_test_server.py")])
  }

  /// `http://127.0.0.1:PORT` of the stand-ins (started on first use, off the cooperative pool).
  public static func base() async throws -> String {
    let peer = try await PeerProcess.resolve { shared }
    return "http://127.0.0.1:\(peer.values["port"] ?? "0")"
  }
}

/// A webhook receiver that records what it got (`peers/webhook_capture_server.py`), started once per test process.
public enum WebhookTestPeer {
  private static let shared: Result<PeerProcess, any Error> = Result {
    try PeerProcess(["python3", RepositoryPaths.peer("webhook_capture_server.py")])
  }

  /// The secret the receiver checks signatures with.
  public static let secret = "whsec-test-secret"

  /// `http://127.0.0.1:PORT`.
  public static func base() async throws -> String {
    "http://127.0.0.1:\(try await PeerProcess.resolve { shared }.values["port"] ?? "0")"
  }

  /// Every request received so far whose path starts with `prefix`.
  public static func requests(prefix: String) async throws -> [[String: Any]] {
    guard let url = URL(string: try await base() + "/requests") else {
      throw PeerProcess.PeerError(message: "bad peer URL")
    }
    let data = try await withCheckedThrowingContinuation {
      (continuation: CheckedContinuation<Data, any Error>) in
      DispatchQueue(label: "vigil.tests.blocking").async {
        continuation.resume(with: Result { try Data(contentsOf: url) })
      }
    }
    let all = (try JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? []
    return all.filter { ($0["path"] as? String)?.hasPrefix(prefix) == true }
  }
}

/// Stand-ins for the WeCom, DingTalk and Feishu robot APIs (`peers/robot_vendor_server.py`).
public enum RobotVendorPeer {
  private static let shared: Result<PeerProcess, any Error> = Result {
    try PeerProcess(["python3", RepositoryPaths.peer("robot_vendor_server.py")])
  }

  /// `http://127.0.0.1:PORT`.
  public static func base() async throws -> String {
    "http://127.0.0.1:\(try await PeerProcess.resolve { shared }.values["port"] ?? "0")"
  }
}

/// Debian's redis-server on loopback with an ACL user and password (`peers/redis_peer.py`), shared by the tests.
public enum RedisTestPeer {
  private static let shared: Result<PeerProcess, any Error> = Result {
    try PeerProcess(["python3", RepositoryPaths.peer("redis_peer.py")])
  }

  /// The port, user and password.
  public static func server() async throws -> (port: Int, user: String, password: String) {
    let values = try await PeerProcess.resolve { shared }.values
    return (Int(values["port"] ?? "") ?? 0, values["user"] ?? "", values["password"] ?? "")
  }

  private static let sharedTLS: Result<PeerProcess, any Error> = Result {
    try PeerProcess(["python3", RepositoryPaths.peer("redis_peer.py"), "--tls"])
  }

  /// A server that speaks only TLS (its certificate for 127.0.0.1 signed by its own CA): port, user, password
  /// and the CA file.
  public static func tlsServer() async throws -> (port: Int, user: String, password: String, ca: String) {
    let values = try await PeerProcess.resolve { sharedTLS }.values
    return (
      Int(values["port"] ?? "") ?? 0, values["user"] ?? "", values["password"] ?? "", values["ca"] ?? ""
    )
  }

  /// A server of the caller's own on `port`, keeping its data in `folder` (so stopping it and starting another
  /// on the same port and folder is an outage, not a loss). The caller stops it.
  public static func privateServer(port: Int, folder: String) async throws -> PeerProcess {
    try await offPool {
      try PeerProcess([
        "python3", RepositoryPaths.peer("redis_peer.py"), "--port", String(port), "--dir", folder,
      ])
    }
  }
}

/// moto's S3 server on loopback with signature checking on (`peers/s3_peer.py`, in `.peers/venv`): a bucket, and
/// an access key the server knows; any other secret is refused as AWS refuses it. Shared by the tests.
public enum S3TestPeer {
  /// Which S3 the peer answers as.
  public enum Flavour: Sendable {
    /// AWS S3: `If-None-Match` and `If-Match` on PUT.
    case aws
    /// Tencent COS as documented: no conditional PUT, `x-cos-forbid-overwrite` instead.
    case cos
  }

  private static let aws: Result<PeerProcess, any Error> = start([])
  private static let cos: Result<PeerProcess, any Error> = start(["--cos"])

  private static func start(_ options: [String]) -> Result<PeerProcess, any Error> {
    Result {
      try PeerProcess(
        [RepositoryPaths.root + "/.peers/venv/bin/python", RepositoryPaths.peer("s3_peer.py")] + options,
        timeout: 90)
    }
  }

  /// The endpoint, bucket, access key and secret.
  public static func server(_ flavour: Flavour = .aws) async throws -> (
    endpoint: String, bucket: String, key: String, secret: String
  ) {
    let values = try await PeerProcess.resolve { flavour == .aws ? aws : cos }.values
    return (
      "http://127.0.0.1:\(values["port"] ?? "0")", values["bucket"] ?? "", values["key"] ?? "",
      values["secret"] ?? ""
    )
  }

  /// The environment a process needs to sign for the peer.
  public static func credentials(_ flavour: Flavour = .aws) async throws -> [String: String] {
    let server = try await server(flavour)
    return ["AWS_ACCESS_KEY_ID": server.key, "AWS_SECRET_ACCESS_KEY": server.secret]
  }

  /// A store URL under a prefix no other test uses; `query` is added to it (`&writes=create-only`).
  public static func url(
    _ flavour: Flavour = .aws, prefix: String = "t-\(UUID().uuidString.lowercased())", query: String = ""
  ) async throws -> String {
    let server = try await server(flavour)
    return "s3://\(server.bucket)/\(prefix)?endpoint=\(server.endpoint)" + query
  }
}

/// A real SMTP server on loopback (`peers/smtp_sink.py`, aiosmtpd from `.peers/venv`): one per test, since
/// options differ. Messages land in `maildir` as NNNNNN.eml + NNNNNN.json.
public enum SMTPTestPeer {
  /// Starts a sink requiring AUTH `user:password`; `tempfailFirst` DATA commands get 451.
  public static func start(maildir: String, auth: String = "alice:s3cret", tempfailFirst: Int = 0)
    async throws -> PeerProcess
  {
    let python = RepositoryPaths.root + "/.peers/venv/bin/python"
    guard FileManager.default.isExecutableFile(atPath: python) else {
      throw PeerProcess.PeerError(
        message: "\(python) is missing: run scripts/bootstrap (it installs aiosmtpd for the SMTP tests)")
    }
    let arguments = [
      python, RepositoryPaths.peer("smtp_sink.py"), "--maildir", maildir, "--auth", auth, "--tempfail-first",
      String(tempfailFirst),
    ]
    return try await PeerProcess.resolve { Result { try PeerProcess(arguments) } }
  }

  /// The messages received so far: (eml bytes, facts), in order.
  public static func messages(_ maildir: String) throws -> [(eml: Data, facts: [String: Any])] {
    let names = try FileManager.default.contentsOfDirectory(atPath: maildir).filter { $0.hasSuffix(".eml") }
      .sorted()
    return try names.map { name in
      let eml = try Data(contentsOf: URL(fileURLWithPath: maildir + "/" + name))
      let json = try Data(
        contentsOf: URL(fileURLWithPath: maildir + "/" + name.replacingOccurrences(of: ".eml", with: ".json"))
      )
      return (eml, (try JSONSerialization.jsonObject(with: json) as? [String: Any]) ?? [:])
    }
  }
}

/// A TCP socket connected to 127.0.0.1:`port` (the caller closes it), or -1 when nothing accepts there.
public func loopbackConnection(port: Int) -> Int32 {
  let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  guard descriptor >= 0 else { return -1 }
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_port = in_port_t(UInt16(port).bigEndian)
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  let connected = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
    }
  }
  guard connected == 0 else {
    close(descriptor)
    return -1
  }
  return descriptor
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
public func unusedLoopbackPort() -> Int {
  let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  defer { close(descriptor) }
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  address.sin_port = 0
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  _ = withUnsafeMutablePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
  }
  _ = withUnsafeMutablePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
  }
  return Int(UInt16(bigEndian: address.sin_port))
}
