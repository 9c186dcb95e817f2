import Foundation
import TestSupport
import Testing
import VigilCore
import VigilNet

/// The S3 store's own edges: its signature against AWS's published example, and against moto's server with
/// signature checking on (a wrong secret, a missing bucket, missing credentials are each named).
@Suite struct S3StoreTests {
  /// AWS's "Example: GET Object" (Signature Version 4, header-based authentication), S3 API reference.
  @Test func theSignatureIsAWSsPublishedExample() {
    let signer = SigV4Signer(
      accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      region: "us-east-1")
    // 20130524T000000Z
    let signature = signer.sign(
      method: "GET", path: "/test.txt", query: [],
      headers: [("host", "examplebucket.s3.amazonaws.com"), ("range", "bytes=0-9")],
      payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      timestamp: 1_369_353_600)
    #expect(signature.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    #expect(
      signature.authorization
        == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
  }

  @Test func aWrongSecretIsRefusedAndNamedWithoutShowingIt() async throws {
    let url = try await S3TestPeer.url()
    var credentials = try await S3TestPeer.credentials()
    credentials["AWS_SECRET_ACCESS_KEY"] = "not-the-secret-5150"
    let store = S3StateStore(settings: try S3StateSettings(url: url, environment: credentials))
    do {
      try await store.write("alerts/web.json", Data("{}".utf8))
      Issue.record("a wrong secret was accepted")
    } catch let error as StateError {
      #expect(error.message.contains("SignatureDoesNotMatch"), "\(error)")
      #expect(error.message.contains("AWS_SECRET_ACCESS_KEY"), "\(error)")
      #expect(!error.message.contains("not-the-secret-5150"))
    }
  }

  @Test func aMissingBucketAndMissingCredentialsAreNamed() async throws {
    let server = try await S3TestPeer.server()
    let store = S3StateStore(
      settings: try S3StateSettings(
        url: "s3://no-such-bucket-here/x?endpoint=\(server.endpoint)",
        environment: try await S3TestPeer.credentials()))
    await #expect(throws: StateError.self) { try await store.get("a") }
    do {
      _ = try await store.get("a")
    } catch let error as StateError {
      #expect(error.message.contains("the bucket 'no-such-bucket-here' does not exist"), "\(error)")
    }
    do {
      _ = try S3StateSettings(url: "s3://bucket/x", environment: [:])
      Issue.record("no credentials were accepted")
    } catch {
      #expect(error.message.contains("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"), "\(error)")
      #expect(error.message.contains("TENCENTCLOUD_SECRETID"), "\(error)")
    }
  }

  @Test func aStoreThatDoesNotAnswerIsUnavailable() async throws {
    let silent = try SilentListener()
    let store = S3StateStore(
      settings: try S3StateSettings(
        url: "s3://bucket/x?endpoint=http://127.0.0.1:\(silent.port)&timeout=1",
        environment: ["AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"]))
    do {
      _ = try await store.get("a")
      Issue.record("a silent store answered")
    } catch let error as StateError {
      #expect(error.kind == .unavailable, "\(error)")
    }
  }
}
