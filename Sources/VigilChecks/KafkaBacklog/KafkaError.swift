import VigilNet

/// Why a Kafka query failed: connection, protocol (garbage or truncated frames), authentication, a broker
/// error code, or a broker too old or too new for the versions this client speaks.
package enum KafkaError: Error, Sendable, CustomStringConvertible {
  case connection(TCPError)
  case protocolError(KafkaProtocolError)
  case broker(code: Int16, context: String)
  case authentication(String)
  case unsupported(String)
  case noBroker(String)

  package var description: String {
    switch self {
    case .connection(let error): return "Kafka connection: \(error)"
    case .protocolError(let error): return "Kafka protocol: \(error)"
    case .broker(let code, let context):
      return "Kafka broker error \(code) (\(KafkaError.name(code))) in \(context)"
    case .authentication(let message): return "Kafka authentication: \(message)"
    case .unsupported(let message): return "Kafka: \(message)"
    case .noBroker(let message): return "Kafka: \(message)"
    }
  }

  static func name(_ code: Int16) -> String {
    switch code {
    case 3: return "UNKNOWN_TOPIC_OR_PARTITION"
    case 6: return "NOT_LEADER_OR_FOLLOWER"
    case 7: return "REQUEST_TIMED_OUT"
    case 14: return "COORDINATOR_LOAD_IN_PROGRESS"
    case 15: return "COORDINATOR_NOT_AVAILABLE"
    case 16: return "NOT_COORDINATOR"
    case 25: return "UNKNOWN_MEMBER_ID"
    case 29: return "TOPIC_AUTHORIZATION_FAILED"
    case 30: return "GROUP_AUTHORIZATION_FAILED"
    case 31: return "CLUSTER_AUTHORIZATION_FAILED"
    case 33: return "UNSUPPORTED_SASL_MECHANISM"
    case 34: return "ILLEGAL_SASL_STATE"
    case 35: return "UNSUPPORTED_VERSION"
    case 58: return "SASL_AUTHENTICATION_FAILED"
    case 69: return "GROUP_ID_NOT_FOUND"
    default: return "code \(code)"
    }
  }
}
