/// How `kafka-backlog` reaches brokers: plain TCP or TLS, with or without SASL (PLAIN, SCRAM-SHA-256/512), as
/// CKafka, MSK and Confluent Cloud require.
package struct KafkaSecurity: Sendable, Hashable {
  /// A SASL mechanism Kafka brokers offer.
  package enum Mechanism: String, Sendable, Hashable, CaseIterable {
    case plain = "PLAIN"
    case scramSHA256 = "SCRAM-SHA-256"
    case scramSHA512 = "SCRAM-SHA-512"
  }

  /// SASL credentials.
  package struct SASL: Sendable, Hashable {
    package var mechanism: Mechanism
    package var username: String
    package var password: String

    package init(mechanism: Mechanism, username: String, password: String) {
      self.mechanism = mechanism
      self.username = username
      self.password = password
    }
  }

  /// TLS on the connection.
  package var tls: Bool
  /// A PEM bundle to trust instead of the system's.
  package var caFile: String?
  /// Skip certificate and host-name verification (logged loudly).
  package var insecure: Bool
  package var sasl: SASL?

  package init(tls: Bool = false, caFile: String? = nil, insecure: Bool = false, sasl: SASL? = nil) {
    self.tls = tls
    self.caFile = caFile
    self.insecure = insecure
    self.sasl = sasl
  }

  /// Kafka's own name for it: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
  package var protocolName: String {
    switch (sasl != nil, tls) {
    case (false, false): return "PLAINTEXT"
    case (false, true): return "SSL"
    case (true, false): return "SASL_PLAINTEXT"
    case (true, true): return "SASL_SSL"
    }
  }
}
