import VigilCron

/// Why a SASL/SCRAM exchange failed.
package struct SCRAMError: Error, Sendable, Hashable, CustomStringConvertible {
  package var message: String
  package var description: String { message }
  init(_ message: String) { self.message = message }
}

/// The client side of SCRAM (RFC 5802; SHA-256 and SHA-512 as RFC 7677 and Kafka's KIP-84 use them), without
/// channel binding (`n,,`). One value per authentication: client-first, then client-final from the server's
/// first message, then the server's signature checked, so a server that does not know the password is caught.
package struct SCRAMClient: Sendable {
  package let algorithm: Digest.Algorithm
  let username: String
  let password: String
  let clientNonce: String
  private var authMessage = ""
  private var serverSignature: [UInt8] = []

  /// - Parameter nonce: the client nonce; random (24 bytes, base64) unless a test fixes it.
  package init(algorithm: Digest.Algorithm, username: String, password: String, nonce: String? = nil) {
    self.algorithm = algorithm
    self.username = username
    self.password = password
    self.clientNonce = nonce ?? Base64.encode((0..<24).map { _ in UInt8.random(in: 0...255) })
  }

  /// `saslname`: `=` and `,` escaped as RFC 5802 requires.
  var escapedUsername: String {
    username.replacingEvery("=", with: "=3D").replacingEvery(",", with: "=2C")
  }

  var clientFirstBare: String { "n=\(escapedUsername),r=\(clientNonce)" }

  /// The first message: GS2 header (no channel binding) and the bare part.
  package var clientFirstMessage: String { "n,," + clientFirstBare }

  /// The final message, answering the server's first (`r=…,s=…,i=…`).
  package mutating func clientFinalMessage(serverFirst: String) throws(SCRAMError) -> String {
    let fields = Self.attributes(serverFirst)
    if let error = fields["e"] { throw SCRAMError("the server refused: \(error)") }
    guard let nonce = fields["r"], nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else {
      throw SCRAMError("the server's nonce does not extend ours (got '\(serverFirst.prefix(80))')")
    }
    guard let saltText = fields["s"], let salt = Base64.decode(saltText), !salt.isEmpty else {
      throw SCRAMError("the server's first message has no valid salt")
    }
    guard let iterationsText = fields["i"], let iterations = Int(iterationsText),
      (1...1_000_000).contains(iterations)
    else {
      throw SCRAMError("the server's first message has no valid iteration count")
    }
    let salted = Self.hi(algorithm, password: Array(password.utf8), salt: Array(salt), iterations: iterations)
    let clientKey = Digest.hmac(algorithm, key: salted, message: Array("Client Key".utf8))
    let storedKey = Digest.hash(algorithm, clientKey)
    let withoutProof = "c=biws,r=\(nonce)"
    authMessage = "\(clientFirstBare),\(serverFirst),\(withoutProof)"
    let clientSignature = Digest.hmac(algorithm, key: storedKey, message: Array(authMessage.utf8))
    let proof = zip(clientKey, clientSignature).map { $0 ^ $1 }
    let serverKey = Digest.hmac(algorithm, key: salted, message: Array("Server Key".utf8))
    serverSignature = Digest.hmac(algorithm, key: serverKey, message: Array(authMessage.utf8))
    return "\(withoutProof),p=\(Base64.encode(proof))"
  }

  /// Checks the server's final message (`v=…`), proving the server knows the password too.
  package func verify(serverFinal: String) throws(SCRAMError) {
    let fields = Self.attributes(serverFinal)
    if let error = fields["e"] { throw SCRAMError("the server refused the proof: \(error)") }
    guard let verifier = fields["v"], let signature = Base64.decode(verifier) else {
      throw SCRAMError("the server's final message has no verifier")
    }
    guard Array(signature) == serverSignature else {
      throw SCRAMError("the server's signature does not match: it does not know this password")
    }
  }

  /// `Hi()`: PBKDF2 with HMAC of `algorithm`, one block.
  static func hi(_ algorithm: Digest.Algorithm, password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8]
  {
    var block = Digest.hmac(algorithm, key: password, message: salt + [0, 0, 0, 1])
    var result = block
    for _ in 1..<iterations {
      block = Digest.hmac(algorithm, key: password, message: block)
      for index in result.indices { result[index] ^= block[index] }
    }
    return result
  }

  static func attributes(_ message: String) -> [String: String] {
    var fields: [String: String] = [:]
    for part in message.split(separator: ",") where part.count >= 2 && part.dropFirst().first == "=" {
      fields[String(part.prefix(1))] = String(part.dropFirst(2))
    }
    return fields
  }
}
