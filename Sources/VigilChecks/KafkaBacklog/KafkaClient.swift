import Synchronization
import VigilNet

/// A broker address, `host:port`.
package struct KafkaServer: Sendable, Hashable, CustomStringConvertible {
  package var host: String
  package var port: Int

  package init(host: String, port: Int) {
    self.host = host
    self.port = port
  }

  /// Parses `host:port` (`[v6]:port` too); nil when malformed.
  package init?(_ text: String) {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
      (1...65535).contains(port)
    else { return nil }
    var host = String(text[..<colon])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else { return nil }
    self.init(host: host, port: port)
  }

  package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A small Kafka protocol client: just what consumer-lag monitoring needs, over TCP or TLS, with SASL.
///
/// Each broker gets one connection, opened on first use: ApiVersions first (once per client, to pick versions),
/// then SASL when configured. Every read is bounded by `ioTimeout`; a garbage or truncated answer is a
/// `KafkaError.protocolError`, never a crash or a hang.
package final class KafkaClient: Sendable {
  let bootstrap: [KafkaServer]
  let security: KafkaSecurity
  let connectTimeout: Double
  let ioTimeout: Double
  private struct State {
    var connections: [String: any FrameStream] = [:]
    var correlation: Int32 = 0
    var versions: [Int16: ClosedRange<Int16>]?
  }
  private let state = Mutex(State())

  package init(
    bootstrap: [KafkaServer], security: KafkaSecurity = KafkaSecurity(), connectTimeout: Double = 5,
    ioTimeout: Double = 10
  ) {
    self.bootstrap = bootstrap
    self.security = security
    self.connectTimeout = connectTimeout
    self.ioTimeout = ioTimeout
  }

  /// The connection to `server`, opened (and authenticated) on first use.
  func connection(to server: KafkaServer) async throws(KafkaError) -> any FrameStream {
    if let existing = state.withLock({ $0.connections[server.description] }) { return existing }
    let stream: any FrameStream
    do {
      if security.tls {
        stream = try await TLSConnection.connect(
          host: server.host, port: server.port, connectTimeout: connectTimeout, ioTimeout: ioTimeout,
          caFile: security.caFile, insecure: security.insecure)
      } else {
        stream = try await TCPConnection.connect(
          host: server.host, port: server.port, connectTimeout: connectTimeout, ioTimeout: ioTimeout)
      }
    } catch {
      throw .connection(error)
    }
    if state.withLock({ $0.versions }) == nil {
      var reader = try await call(.apiVersions, version: 0, on: stream) { _ in }
      let answer: (error: Int16, ranges: [Int16: ClosedRange<Int16>])
      do { answer = try KafkaDecode.apiVersions(&reader) } catch { throw .protocolError(error) }
      guard answer.error == 0 else { throw .broker(code: answer.error, context: "ApiVersions") }
      state.withLock { $0.versions = answer.ranges }
    }
    if let sasl = security.sasl { try await authenticate(stream, sasl) }
    state.withLock { $0.connections[server.description] = stream }
    return stream
  }

  /// The newest version of `api` both this client and the brokers speak.
  func version(_ api: KafkaAPI) throws(KafkaError) -> Int16 {
    guard let range = state.withLock({ $0.versions?[api.rawValue] }) else {
      throw .unsupported("the broker does not offer \(api.name) (ApiVersions lists no such API)")
    }
    guard let chosen = api.versions.last(where: { range.contains($0) }) else {
      throw .unsupported(
        "the broker speaks \(api.name) v\(range.lowerBound)-v\(range.upperBound); "
          + "this client speaks v\(api.versions.map(String.init).joined(separator: ", v"))")
    }
    return chosen
  }

  /// Sends one request and returns a reader positioned after the response header (correlation id checked).
  func call(
    _ api: KafkaAPI, version: Int16, on stream: any FrameStream, body: (inout KafkaWriter) -> Void
  ) async throws(KafkaError) -> KafkaReader {
    let correlation = state.withLock { state -> Int32 in
      state.correlation &+= 1
      return state.correlation
    }
    let frame: [UInt8]
    do {
      frame = try await stream.exchangeFrame(
        kafkaRequest(api, version: version, correlationID: correlation, body: body), maxFrame: 64 << 20)
    } catch {
      state.withLock { $0.connections[stream.address] = nil }
      throw .connection(error)
    }
    var reader = KafkaReader(frame, context: "\(api.name) v\(version) answer from \(stream.address)")
    do throws(KafkaProtocolError) {
      let answered = try reader.int32()
      guard answered == correlation else {
        throw KafkaProtocolError(
          message: "\(reader.context): correlation id \(answered), expected \(correlation)")
      }
    } catch {
      state.withLock { $0.connections[stream.address] = nil }
      throw .protocolError(error)
    }
    return reader
  }

  /// Sends a request to `stream` with the negotiated version and decodes the answer with `decode`.
  func request<T>(
    _ api: KafkaAPI, on stream: any FrameStream, body: (inout KafkaWriter, Int16) -> Void,
    decode: (inout KafkaReader, Int16) throws(KafkaProtocolError) -> T
  ) async throws(KafkaError) -> T {
    let version = try version(api)
    var reader = try await call(api, version: version, on: stream) { body(&$0, version) }
    do { return try decode(&reader, version) } catch { throw .protocolError(error) }
  }

  /// The first bootstrap server that answers.
  func bootstrapConnection() async throws(KafkaError) -> any FrameStream {
    var last: KafkaError = .noBroker("no bootstrap servers configured")
    for server in bootstrap {
      do {
        return try await connection(to: server)
      } catch {
        if case .authentication = error { throw error }
        last = error
      }
    }
    throw last
  }

  /// SaslHandshake, then SaslAuthenticate rounds for the configured mechanism.
  private func authenticate(_ stream: any FrameStream, _ sasl: KafkaSecurity.SASL) async throws(KafkaError) {
    var handshake = try await call(.saslHandshake, version: 1, on: stream) {
      $0.string(sasl.mechanism.rawValue)
    }
    let offered: (error: Int16, mechanisms: [String])
    do { offered = try KafkaDecode.saslHandshake(&handshake) } catch { throw .protocolError(error) }
    guard offered.error == 0 else {
      throw .authentication(
        "\(stream.address) does not offer \(sasl.mechanism.rawValue) (it offers "
          + "\(offered.mechanisms.isEmpty ? "none" : offered.mechanisms.joined(separator: ", ")))")
    }
    switch sasl.mechanism {
    case .plain:
      _ = try await authenticateRound(stream, Array("\0\(sasl.username)\0\(sasl.password)".utf8), sasl)
    case .scramSHA256, .scramSHA512:
      var scram = SCRAMClient(
        algorithm: sasl.mechanism == .scramSHA256 ? .sha256 : .sha512, username: sasl.username,
        password: sasl.password)
      let serverFirst = try await authenticateRound(stream, Array(scram.clientFirstMessage.utf8), sasl)
      do {
        let final = try scram.clientFinalMessage(serverFirst: String(decoding: serverFirst, as: UTF8.self))
        let serverFinal = try await authenticateRound(stream, Array(final.utf8), sasl)
        try scram.verify(serverFinal: String(decoding: serverFinal, as: UTF8.self))
      } catch let error as SCRAMError {
        throw .authentication("\(sasl.mechanism.rawValue) with \(stream.address): \(error)")
      } catch let error as KafkaError {
        throw error
      } catch {
        throw .authentication("\(error)")
      }
    }
  }

  private func authenticateRound(_ stream: any FrameStream, _ bytes: [UInt8], _ sasl: KafkaSecurity.SASL)
    async throws(KafkaError) -> [UInt8]
  {
    var reader = try await call(.saslAuthenticate, version: 0, on: stream) { $0.bytesField(bytes) }
    let answer: (error: Int16, message: String?, bytes: [UInt8])
    do { answer = try KafkaDecode.saslAuthenticate(&reader) } catch { throw .protocolError(error) }
    guard answer.error == 0 else {
      state.withLock { $0.connections[stream.address] = nil }
      throw .authentication(
        "\(stream.address) refused user '\(sasl.username)' (\(sasl.mechanism.rawValue)): "
          + (answer.message ?? KafkaError.name(answer.error)))
    }
    return answer.bytes
  }
}
