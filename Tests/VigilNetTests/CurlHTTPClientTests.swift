import Foundation
import TestSupport
import Testing
import VigilCron

@testable import VigilNet

@Suite(.serialized) struct CurlHTTPClientTests {
  let client = CurlHTTPClient()

  @Test func successCarriesStatusBodyHeadersAndTimings() async throws {
    let response = try await client.send(HTTPRequest(url: try await HTTPTestPeer.httpBase() + "/json"))
    #expect(response.status == 200)
    #expect(String(decoding: response.body, as: UTF8.self).contains("\"status\": \"UP\""))
    #expect(response.header("content-type") == "application/json")
    #expect(response.remoteIP == "127.0.0.1")
    #expect(response.httpVersion == "HTTP/1.0" || response.httpVersion == "HTTP/1.1")
    #expect(response.timings.totalMs > 0)
    #expect(response.timings.totalMs >= response.timings.dnsMs + response.timings.connectMs)
    #expect(response.timings.tlsMs == 0)
    #expect(response.bytesReceived == Int64(response.body.count))
  }

  @Test func serverErrorsAreResponsesNotFailures() async throws {
    let response = try await client.send(HTTPRequest(url: try await HTTPTestPeer.httpBase() + "/status/503"))
    #expect(response.status == 503)
  }

  @Test func refusedConnectionIsClassified() async throws {
    let port = unusedLoopbackPort()
    let error = await #expect(throws: HTTPError.self) {
      try await client.send(HTTPRequest(url: "http://127.0.0.1:\(port)/", connectTimeout: 2, timeout: 2))
    }
    #expect(error?.kind == "refused", "\(String(describing: error))")
  }

  @Test func slowResponseTimesOut() async throws {
    let base = try await HTTPTestPeer.httpBase()
    _ = try await client.send(HTTPRequest(url: base + "/ok"))  // the peer is up and answering
    let started = Instant()
    let error = await #expect(throws: HTTPError.self) {
      try await client.send(HTTPRequest(url: base + "/slow?ms=30000", connectTimeout: 3, timeout: 1.5))
    }
    guard case .timeout(let phase, _, _)? = error else {
      Issue.record("expected a timeout, got \(String(describing: error))")
      return
    }
    #expect(phase == "response")
    // Cut at the 1.5 s timeout, not when the 30 s answer came (a wide bound: a loaded machine is slow to wake
    // the waiting task, and that is not what this test measures).
    #expect(Instant().timeIntervalSince(started) < 20)
  }

  @Test func redirectsAreFollowedAndLoopsStopped() async throws {
    let followed = try await client.send(
      HTTPRequest(url: try await HTTPTestPeer.httpBase() + "/redirect?to=/ok"))
    #expect(followed.status == 200)
    #expect(followed.redirectCount == 1)
    #expect(followed.effectiveURL.hasSuffix("/ok"))
    let notFollowed = try await client.send(
      HTTPRequest(url: try await HTTPTestPeer.httpBase() + "/redirect?to=/ok", followRedirects: false))
    #expect(notFollowed.status == 302)
    let error = await #expect(throws: HTTPError.self) {
      try await client.send(
        HTTPRequest(url: try await HTTPTestPeer.httpBase() + "/redirect-loop", maxRedirects: 3))
    }
    #expect(error == .tooManyRedirects(limit: 3))
  }

  @Test func hugeBodiesAreCappedNotBuffered() async throws {
    let response = try await client.send(
      HTTPRequest(url: try await HTTPTestPeer.httpBase() + "/huge?kb=8192", maxBodyBytes: 64 * 1024))
    #expect(response.status == 200)
    #expect(response.truncated)
    #expect(response.body.count == 64 * 1024)
  }

  @Test func tlsIsVerifiedUnlessTheCAIsGivenOrVerificationIsOff() async throws {
    let url = try await HTTPTestPeer.httpsBase() + "/ok"
    let rejected = await #expect(throws: HTTPError.self) { try await client.send(HTTPRequest(url: url)) }
    #expect(rejected?.kind == "tls", "\(String(describing: rejected))")
    var fresh = HTTPRequest(url: url, caFile: try await HTTPTestPeer.caFile())
    fresh.freshConnection = true
    let trusted = try await client.send(fresh)
    #expect(trusted.status == 200)
    #expect(trusted.timings.tlsMs > 0)
    #expect(trusted.timings.connectMs > 0)
    // The test CA issues certificates for two days.
    let expiry = try #require(trusted.certificateExpiry)
    #expect(expiry.timeIntervalSinceNow > 86_400 && expiry.timeIntervalSinceNow < 3 * 86_400)
    let insecure = try await client.send(HTTPRequest(url: url, insecure: true))
    #expect(insecure.status == 200)
  }

  @Test func methodHeadersAndBodyAreSentWithoutInjection() async throws {
    let echoed = try await client.send(
      HTTPRequest(
        url: try await HTTPTestPeer.httpBase() + "/echo", method: "POST",
        headers: [("Content-Type", "application/json")],
        body: [UInt8](#"{"a":1}"#.utf8)))
    #expect(String(decoding: echoed.body, as: UTF8.self) == #"{"a":1}"#)
    let headers = try await client.send(
      HTTPRequest(
        url: try await HTTPTestPeer.httpBase() + "/headers", headers: [("X-Test", "one\r\nX-Injected: yes")]))
    let seen = try JSONSerialization.jsonObject(with: Data(headers.body)) as? [String: String]
    #expect(seen?["x-test"] == "oneX-Injected: yes")
    #expect(seen?["x-injected"] == nil)
  }

  @Test func onlyHTTPAndHTTPSAreAllowed() async throws {
    let error = await #expect(throws: HTTPError.self) {
      try await client.send(HTTPRequest(url: "file:///etc/passwd"))
    }
    #expect(error?.kind == "bad-url", "\(String(describing: error))")
  }

  @Test func hostExtraction() {
    #expect(URLText.host(of: "https://user:pw@api.example.com:8443/x?y") == "api.example.com")
    #expect(URLText.host(of: "http://[::1]:8080/") == "::1")
    #expect(URLText.host(of: "http://127.0.0.1/") == "127.0.0.1")
  }
}

@Suite struct CurlCancellationTests {
  /// Cancelling the task that sends aborts the transfer at once: the call throws `.cancelled` and the
  /// server sees the connection closed, long before the request's own 60 s timeout.
  @Test func cancellingTheCallerAbortsTheTransferAndClosesItsConnection() async throws {
    let server = try SilentListener()
    let started = Instant()
    let sending = Task {
      try await CurlHTTPClient().send(
        HTTPRequest(url: "http://127.0.0.1:\(server.port)/hang", connectTimeout: 5, timeout: 60))
    }
    // The overlap is forced: cancel only once the request is on the wire (the server accepted it).
    let connection = await server.accepted(timeout: 30)
    try #require(connection >= 0, "the request never arrived")
    defer { close(connection) }
    sending.cancel()
    let outcome = await sending.result
    #expect(throws: HTTPError.cancelled) { try outcome.get() }
    #expect(await SilentListener.closedByClient(connection, timeout: 10), "the connection was left open")
    #expect(Instant().timeIntervalSince(started) < 30)
  }

  /// A task cancelled before its request was even queued never sends it.
  @Test func aCallerCancelledBeforeSendingSendsNothing() async throws {
    let server = try SilentListener()
    let sending = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return try await CurlHTTPClient().send(
        HTTPRequest(url: "http://127.0.0.1:\(server.port)/never", connectTimeout: 5, timeout: 60))
    }
    await #expect(throws: HTTPError.cancelled) { try await sending.value }
    #expect(await server.accepted(timeout: 0.5) == -1, "the request went out anyway")
  }
}
