import Foundation
import Testing

@testable import VigilNet

/// Tencent's published examples, verbatim.
@Suite struct TencentSigningTests {
  @Test func tc3VectorA() {
    let signer = TC3Signer(
      secretID: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
      service: "cvm", host: "cvm.tencentcloudapi.com")
    let payload = [UInt8](
      #"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#.utf8)
    let signature = signer.sign(payload: payload, timestamp: 1_551_113_065)
    #expect(signature.hashedPayload == "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064")
    #expect(
      signature.hashedCanonicalRequest == "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031")
    #expect(
      signature.stringToSign
        == "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )
    #expect(signature.signature == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168")
    #expect(
      signature.authorization
        == "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )
  }

  @Test func tc3SMSPin() {
    let signer = TC3Signer(
      secretID: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
      service: "sms", host: "sms.tencentcloudapi.com")
    let payload = [UInt8](
      #"{"PhoneNumberSet":["+8618511122266"],"SmsSdkAppId":"1400006666","SignName":"腾讯云","TemplateId":"1234","TemplateParamSet":["12345"]}"#
        .utf8)
    let signature = signer.sign(payload: payload, timestamp: 1_551_113_065)
    #expect(signature.hashedPayload == "8a1750d4a9f22799d8e95282b329396c8ac24dc008bfc1bc177ed48e72b39ea6")
    #expect(
      signature.hashedCanonicalRequest == "4156e0dcd910d53d9d3589334a564a15a3767e38fd86f687837d7f73c203d4e7")
    #expect(signature.signature == "a913aa604cf6f0a4da1bd60bf6b17add319f47f0b6922dc493d5d79e1c703615")
  }

  @Test func legacyHmacSHA1API2() {
    let parameters = [
      ("Action", "DescribeInstances"), ("Nonce", "11886"), ("Region", "gz"),
      ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA"), ("Timestamp", "1465185768"),
      ("instanceIds.0", "ins-09dx96dg"), ("limit", "20"), ("offset", "0"),
    ]
    let signature = TencentLegacySigner.signature(
      method: "GET", host: "cvm.api.qcloud.com", path: "/v2/index.php", parameters: parameters.reversed(),
      secretKey: "Gu5t9xGARNpq86cd98joQYCN3Cozk1qA")
    #expect(signature == "NSI3UqqD99b/UJb4tbG/xZpRW64=")
    #expect(FormEncoding.percentEncode(signature) == "NSI3UqqD99b%2FUJb4tbG%2FxZpRW64%3D")
  }

  @Test func legacyHmacSHA1API3SignatureV1() {
    let parameters = [
      ("Action", "DescribeInstances"), ("InstanceIds.0", "ins-09dx96dg"), ("Limit", "20"), ("Nonce", "11886"),
      ("Offset", "0"), ("Region", "ap-guangzhou"), ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"),
      ("Timestamp", "1465185768"), ("Version", "2017-03-12"),
    ]
    #expect(
      TencentLegacySigner.signature(
        method: "GET", host: "cvm.tencentcloudapi.com", path: "/", parameters: parameters.shuffled(),
        secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE") == "EliP9YW3pW28FpsEdkXt/+WcGeI=")
  }

  @Test func digests() {
    #expect(
      Digest.hex(Digest.hash(.sha256, Data("abc".utf8)))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(Digest.hex(Digest.hash(.sha1, Data("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
  }
}
