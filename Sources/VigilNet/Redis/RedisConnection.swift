/// One connection to a Redis server over Vigil's own TCP connection, or TLS (libcurl's verified handshake,
/// then raw bytes): RESP2 commands, one at a time, each bounded by the connection's read timeout;
/// authenticated (ACL user and password) and on its database from the start. The password is used once, for
/// AUTH, and never appears in an error.
package final class RedisConnection: Sendable {
  package let address: String
  private let stream: Stream
  private let limits: RESPCodec.Limits

  /// The transport under the connection.
  enum Stream: Sendable {
    case tcp(TCPConnection)
    case tls(TLSConnection)
  }

  private init(address: String, stream: Stream, limits: RESPCodec.Limits) {
    self.address = address
    self.stream = stream
    self.limits = limits
  }

  /// How to reach the server over TLS: certificate and host name verified, against `caFile` when given.
  package struct TLS: Sendable, Hashable {
    package var caFile: String?
    package init(caFile: String? = nil) { self.caFile = caFile }
  }

  /// Connects to `host:port` (over TLS when `tls` is given), then AUTH (when a password is given) and SELECT
  /// (when `database` is not 0).
  package static func connect(
    host: String, port: Int, user: String? = nil, password: String? = nil, database: Int = 0,
    connectTimeout: Double = 5, ioTimeout: Double = 5, tls: TLS? = nil,
    limits: RESPCodec.Limits = RESPCodec.Limits()
  ) async throws(RedisError) -> RedisConnection {
    let stream: Stream
    let address: String
    do {
      if let tls {
        let connection = try await TLSConnection.connect(
          host: host, port: port, connectTimeout: connectTimeout, ioTimeout: ioTimeout, caFile: tls.caFile)
        (stream, address) = (.tls(connection), connection.address)
      } else {
        let connection = try await TCPConnection.connect(
          host: host, port: port, connectTimeout: connectTimeout, ioTimeout: ioTimeout)
        (stream, address) = (.tcp(connection), connection.address)
      }
    } catch {
      throw .connection(error)
    }
    let connection = RedisConnection(address: address, stream: stream, limits: limits)
    if let password {
      let reply = try await connection.send(["AUTH"] + (user.map { [$0] } ?? []) + [password])
      if case .error(let message) = reply {
        // The server's words (WRONGPASS …), never the password.
        throw .refused(command: "AUTH", message: message)
      }
    }
    if database != 0 {
      try await connection.expectOK(["SELECT", String(database)])
    }
    return connection
  }

  /// Sends one command and reads its reply; a server error is a reply (`.error`), not a throw.
  package func send(_ arguments: [String]) async throws(RedisError) -> RESPValue {
    try await send(bytes: arguments.map { Array($0.utf8) })
  }

  /// `send` with binary-safe arguments (values that may hold any bytes).
  package func send(bytes arguments: [[UInt8]]) async throws(RedisError) -> RESPValue {
    let request = RESPCodec.encode(arguments)
    let limits = self.limits
    let result: Result<RESPValue, RedisError>
    switch stream {
    case .tcp(let connection):
      result = await connection.exclusive { Self.exchange(request, on: $0, limits: limits) }
    case .tls(let connection):
      result = await connection.exclusive { Self.exchange(request, on: $0, limits: limits) }
    }
    return try result.get()
  }

  /// One command and its reply, on a stream this exchange has to itself.
  static func exchange<S: ByteStream>(_ request: [UInt8], on stream: S, limits: RESPCodec.Limits) -> Result<
    RESPValue, RedisError
  > {
    Result { () throws(RedisError) in
      do throws(TCPError) {
        try stream.sendAll(request)
      } catch {
        throw .connection(error)
      }
      var source = StreamSource(stream: stream)
      do throws(RESPError) {
        return try RESPCodec.decode(from: &source, limits: limits)
      } catch {
        if let failure = source.failure { throw .connection(failure) }
        throw .protocolError(error)
      }
    }
  }

  /// Sends a command that must answer `+OK`.
  package func expectOK(_ arguments: [String]) async throws(RedisError) {
    let reply = try await send(arguments)
    guard reply == .simple("OK") else {
      if case .error(let message) = reply { throw .refused(command: arguments.first ?? "", message: message) }
      throw .unexpected(command: arguments.first ?? "", reply: reply)
    }
  }

  /// Reads replies from the connection: a byte at a time for the lines, in runs for bulk strings.
  struct StreamSource<S: ByteStream>: RESPSource {
    let stream: S
    var failure: TCPError?

    mutating func byte() throws(RESPError) -> UInt8 {
      try bytes(1)[0]
    }

    mutating func bytes(_ count: Int) throws(RESPError) -> [UInt8] {
      do throws(TCPError) {
        return try stream.receiveExactly(count)
      } catch {
        failure = error
        throw .truncated("\(error)")
      }
    }
  }
}

/// Why a Redis command did not give an answer.
package enum RedisError: Error, Sendable, CustomStringConvertible {
  /// Connecting, sending or reading failed (refused, timed out, closed).
  case connection(TCPError)
  /// The server refused the command (`-WRONGPASS …`, `-NOPERM …`, `-ERR …`).
  case refused(command: String, message: String)
  /// The bytes were not a Redis reply.
  case protocolError(RESPError)
  /// A reply of a kind the command never gives.
  case unexpected(command: String, reply: RESPValue)

  package var description: String {
    switch self {
    case .connection(let error): return "Redis: \(error)"
    case .refused(let command, let message): return "Redis refused \(command): \(message)"
    case .protocolError(let error): return "Redis: \(error)"
    case .unexpected(let command, let reply): return "Redis answered \(command) with \(reply)"
    }
  }
}
