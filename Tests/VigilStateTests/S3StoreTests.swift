import Foundation
import TestSupport
import Testing
import VigilCore

@testable import VigilNet

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
      try await store.write("alerts/web.json", [UInt8]("{}".utf8))
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

/// How the S3 store treats a store that is briefly unwell: reads are tried again, conditional writes never.
@Suite struct S3RetryTests {
  /// Answers each request with the next status of a script, and counts the requests.
  final class ScriptedStore: HTTPTransport, @unchecked Sendable {
    // Safe: the tests send one request at a time.
    var statuses: [Int]
    var requests: [HTTPRequest] = []
    init(_ statuses: [Int]) { self.statuses = statuses }
    func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
      requests.append(request)
      let status = statuses.isEmpty ? 200 : statuses.removeFirst()
      return HTTPResponse(
        status: status, headers: status == 200 ? [("ETag", "\"e1\"")] : [],
        body: [UInt8](status == 200 ? "value".utf8 : "<Error><Code>InternalError</Code></Error>".utf8),
        truncated: false, timings: HTTPTimings(), bytesReceived: 0, downloadSpeed: 0, remoteIP: nil,
        httpVersion: "HTTP/1.1", effectiveURL: request.url, redirectCount: 0, certificateExpiry: nil)
    }
  }

  func store(_ transport: ScriptedStore) throws -> S3StateStore {
    S3StateStore(
      settings: try S3StateSettings(
        url: "s3://bucket/p?endpoint=http://127.0.0.1:9",
        environment: ["AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"]),
      transport: transport)
  }

  @Test func aReadIsTriedAgainAfterA503AndGivesUpAfterThree() async throws {
    let flaky = ScriptedStore([503, 500])
    #expect(try await store(flaky).read("a") == [UInt8]("value".utf8))
    #expect(flaky.requests.count == 3)
    let down = ScriptedStore([503, 503, 503, 503])
    do {
      _ = try await store(down).read("a")
      Issue.record("three 503s were not an error")
    } catch let error as StateError {
      #expect(error.kind == .unavailable, "\(error)")
      #expect(error.message.contains("InternalError (HTTP 503)"), "\(error)")
    }
    #expect(down.requests.count == 3)
  }

  @Test func aConditionalWriteIsNeverRepeated() async throws {
    let flaky = ScriptedStore([500])
    await #expect(throws: StateError.self) { try await store(flaky).create("claims/1", [UInt8]("x".utf8)) }
    #expect(flaky.requests.count == 1)
    #expect(flaky.requests.first?.headers.contains { $0.name == "If-None-Match" && $0.value == "*" } == true)
  }
}
