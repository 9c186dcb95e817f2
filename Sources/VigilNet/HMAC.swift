import CCrypto

/// Digests and HMACs over OpenSSL's libcrypto, for request signing (webhooks, DingTalk, Feishu, TC3).
package enum Digest {
  package enum Algorithm: Sendable {
    case sha1, sha256, sha512
    var c: ccrypto_algorithm {
      switch self {
      case .sha1: return CCRYPTO_SHA1
      case .sha256: return CCRYPTO_SHA256
      case .sha512: return CCRYPTO_SHA512
      }
    }
  }

  /// The digest of `data`.
  package static func hash(_ algorithm: Algorithm, _ data: some Sequence<UInt8>) -> [UInt8] {
    let bytes = Array(data)
    var out = [UInt8](repeating: 0, count: 64)
    let length = bytes.withUnsafeBytes { input in
      out.withUnsafeMutableBufferPointer {
        ccrypto_digest(algorithm.c, input.baseAddress, input.count, $0.baseAddress)
      }
    }
    return Array(out.prefix(length))
  }

  /// HMAC of `message` with `key`.
  package static func hmac(_ algorithm: Algorithm, key: some Sequence<UInt8>, message: some Sequence<UInt8>)
    -> [UInt8]
  {
    let keyBytes = Array(key)
    let messageBytes = Array(message)
    var out = [UInt8](repeating: 0, count: 64)
    let length = keyBytes.withUnsafeBytes { keyBuffer in
      messageBytes.withUnsafeBytes { messageBuffer in
        out.withUnsafeMutableBufferPointer {
          ccrypto_hmac(
            algorithm.c, keyBuffer.baseAddress, keyBuffer.count, messageBuffer.baseAddress,
            messageBuffer.count, $0.baseAddress)
        }
      }
    }
    return Array(out.prefix(length))
  }

  /// Lower-case hex.
  package static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    var text = ""
    text.reserveCapacity(bytes.count * 2)
    for byte in bytes {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0F)])
    }
    return text
  }
}
