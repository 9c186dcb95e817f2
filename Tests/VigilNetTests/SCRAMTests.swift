import Testing

@testable import VigilNet

@Suite struct SCRAMTests {
  /// RFC 7677 section 3: user "user", password "pencil", SCRAM-SHA-256 with 4096 iterations.
  @Test func rfc7677Example() throws {
    var client = SCRAMClient(
      algorithm: .sha256, username: "user", password: "pencil", nonce: "rOprNGfwEbeRWgbNEkqO")
    #expect(client.clientFirstMessage == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO")
    let final = try client.clientFinalMessage(
      serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
    #expect(
      final
        == "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    )
    try client.verify(serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
  }

  @Test func aServerThatDoesNotKnowThePasswordIsCaught() throws {
    var client = SCRAMClient(algorithm: .sha256, username: "user", password: "pencil", nonce: "abc")
    _ = try client.clientFinalMessage(serverFirst: "r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
    #expect(throws: SCRAMError.self) {
      try client.verify(serverFinal: "v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    }
  }

  @Test func aServerNonceThatDoesNotExtendOursIsRefused() {
    var client = SCRAMClient(algorithm: .sha512, username: "user", password: "pencil", nonce: "abc")
    #expect(throws: SCRAMError.self) { try client.clientFinalMessage(serverFirst: "r=xyz123,s=AAAA,i=4096") }
    #expect(throws: SCRAMError.self) { try client.clientFinalMessage(serverFirst: "e=unknown-user") }
  }

  @Test func usernamesAreEscaped() {
    let client = SCRAMClient(algorithm: .sha256, username: "a=b,c", password: "p", nonce: "n")
    #expect(client.clientFirstMessage == "n,,n=a=3Db=2Cc,r=n")
  }
}
