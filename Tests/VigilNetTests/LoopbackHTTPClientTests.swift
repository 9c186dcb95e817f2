import Foundation
import TestSupport
import Testing

@testable import VigilNet

/// The runtime-API client against a plain Python server on loopback: Content-Length and chunked answers on one
/// kept-alive connection, and a server that closes a kept-alive connection between requests.
@Suite struct LoopbackHTTPClientTests {
  static let script = """
    import socket, sys
    server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(4)
    print("READY port=%d" % server.getsockname()[1], flush=True)
    def read_request(conn):
        data = b""
        while b"\\r\\n\\r\\n" not in data:
            chunk = conn.recv(4096)
            if not chunk: return None
            data += chunk
        head, _, rest = data.partition(b"\\r\\n\\r\\n")
        length = 0
        for line in head.split(b"\\r\\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length": length = int(value)
        while len(rest) < length: rest += conn.recv(4096)
        return head.split(b" ")[1].decode(), rest
    conn, _ = server.accept()
    path, body = read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\nLambda-Runtime-Aws-Request-Id: r-1\\r\\n\\r\\n"
                 b"5\\r\\nhello\\r\\n7;ext=1\\r\\n, world\\r\\n0\\r\\n\\r\\n")
    path, body = read_request(conn)
    conn.sendall(b"HTTP/1.1 202 Accepted\\r\\nContent-Length: %d\\r\\n\\r\\n" % (len(body) + len(path)) + path.encode() + body)
    conn.close()
    conn, _ = server.accept()
    path, body = read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok")
    conn.close()
    sys.stdin.read()
    """

  @Test func chunkedAndSizedAnswersOnAKeptAliveConnectionAndAReconnect() async throws {
    let peer = try await offPool { try PeerProcess(["python3", "-c", Self.script]) }
    defer { peer.stop() }
    let base = "http://127.0.0.1:\(peer.values["port"] ?? "0")"
    let client = LoopbackHTTPClient()
    let first = try await client.send(HTTPRequest(url: base + "/next", timeout: 5))
    #expect(first.status == 200)
    #expect(String(decoding: first.body, as: UTF8.self) == "hello, world")
    #expect(first.header("lambda-runtime-aws-request-id") == "r-1")
    let second = try await client.send(
      HTTPRequest(url: base + "/r-1/response", method: "POST", body: [UInt8]("{\"a\":1}".utf8), timeout: 5))
    #expect(second.status == 202)
    #expect(String(decoding: second.body, as: UTF8.self) == "/r-1/response{\"a\":1}")
    // The server closed that connection: the next request reconnects by itself.
    let third = try await client.send(HTTPRequest(url: base + "/again", timeout: 5))
    #expect(String(decoding: third.body, as: UTF8.self) == "ok")
    await #expect(throws: HTTPError.self) { try await client.send(HTTPRequest(url: "https://127.0.0.1:1/x")) }
  }
}
