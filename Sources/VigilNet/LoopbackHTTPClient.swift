import Synchronization
import VigilCore
import VigilCron

/// A minimal HTTP/1.1 client over one kept-alive plain TCP connection, for the FaaS runtime APIs (Lambda's,
/// SCF's): always `http://` on the local host, so libcurl (and its ~30 libraries) need not load for a function
/// that sends nothing else, which keeps cold starts short. Content-Length and chunked answers; bounded head and
/// body; a dropped kept-alive connection is reopened once.
package final class LoopbackHTTPClient: HTTPTransport {
  private let connection = Mutex<TCPConnection?>(nil)

  package init() {}

  package func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
    guard request.url.hasPrefix("http://") else {
      throw .badURL(
        url: Redactor.redactURL(request.url), detail: "the runtime API client speaks plain http:// only")
    }
    let rest = request.url.dropFirst("http://".count)
    let authority = String(rest.prefix { $0 != "/" })
    let path = rest.dropFirst(authority.count).isEmpty ? "/" : String(rest.dropFirst(authority.count))
    guard let colon = authority.lastIndex(of: ":"),
      let port = Int(authority[authority.index(after: colon)...])
    else {
      throw .badURL(url: request.url, detail: "no port")
    }
    let host = String(authority[..<colon])
    var head =
      "\(request.method) \(path) HTTP/1.1\r\nHost: \(authority)\r\nContent-Length: \(request.body?.count ?? 0)\r\n"
    for header in request.headers { head += "\(header.name): \(header.value)".removingLineBreaks + "\r\n" }
    let bytes = Array((head + "\r\n").utf8) + Array(request.body ?? [UInt8]())
    for attempt in 0..<2 {
      let stream: TCPConnection
      if let open = connection.withLock({ $0 }) {
        stream = open
      } else {
        do {
          stream = try await TCPConnection.connect(
            host: host, port: port, connectTimeout: request.connectTimeout, ioTimeout: request.timeout)
        } catch {
          throw .connectFailed(detail: "\(error)")
        }
        connection.withLock { $0 = stream }
      }
      let maxBody = request.maxBodyBytes
      let result: Result<HTTPResponse, TCPError> = await stream.exclusive { stream in
        Result { () throws(TCPError) in try Self.exchange(bytes, on: stream, maxBody: maxBody) }
      }
      switch result {
      case .success(let response):
        if response.header("Connection")?.lowercased() == "close" { connection.withLock { $0 = nil } }
        return response
      case .failure(let error):
        connection.withLock { $0 = nil }
        // A kept-alive connection the server closed meanwhile: one fresh try.
        if attempt == 0, case .closed = error { continue }
        if case .timeout(_, _, let seconds) = error {
          throw .timeout(phase: "answer", seconds: seconds, detail: "\(error)")
        }
        throw .connectionReset(detail: "\(error)")
      }
    }
    throw .connectionReset(detail: "\(request.url): the connection kept closing")
  }

  static func exchange(_ request: [UInt8], on stream: TCPConnection, maxBody: Int) throws(TCPError)
    -> HTTPResponse
  {
    try stream.sendAll(request)
    var buffer: [UInt8] = []
    var headEnd: Int?
    while headEnd == nil {
      buffer += try stream.receiveSome(limit: 16 * 1024)
      headEnd = buffer.firstRange(ofElements: [13, 10, 13, 10])?.lowerBound
      if headEnd == nil && buffer.count > 64 * 1024 {
        throw .io(address: stream.address, detail: "answer head over 64 KB")
      }
    }
    guard let end = headEnd else { throw .io(address: stream.address, detail: "no answer head") }
    let lines = String(decoding: buffer[..<end], as: UTF8.self).split(separator: "\r\n")
    let statusParts = lines.first?.split(separator: " ") ?? []
    guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
      throw .io(address: stream.address, detail: "not an HTTP answer: \(lines.first?.prefix(80) ?? "")")
    }
    var headers: [(name: String, value: String)] = []
    for line in lines.dropFirst() {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimming(" \t")))
    }
    func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name }?.value }
    var body = Array(buffer[(end + 4)...])
    if header("transfer-encoding")?.lowercased().includes("chunked") == true {
      body = try Self.dechunk(body, stream: stream, maxBody: maxBody)
    } else if let length = header("content-length").flatMap({ Int($0) }) {
      guard length <= maxBody else {
        throw .io(address: stream.address, detail: "answer body of \(length) bytes over \(maxBody)")
      }
      while body.count < length { body += try stream.receiveSome(limit: min(64 * 1024, length - body.count)) }
      body = Array(body.prefix(length))
    }
    return HTTPResponse(
      status: status, headers: headers, body: [UInt8](body), truncated: false, timings: HTTPTimings(),
      bytesReceived: Int64(body.count), downloadSpeed: 0, remoteIP: nil, httpVersion: "1.1",
      effectiveURL: "", redirectCount: 0, certificateExpiry: nil)
  }

  static func dechunk(_ start: [UInt8], stream: TCPConnection, maxBody: Int) throws(TCPError) -> [UInt8] {
    var pending = start
    var body: [UInt8] = []
    while true {
      var lineEnd = pending.firstRange(ofElements: [13, 10])?.lowerBound
      while lineEnd == nil {
        pending += try stream.receiveSome(limit: 16 * 1024)
        lineEnd = pending.firstRange(ofElements: [13, 10])?.lowerBound
      }
      guard let sizeEnd = lineEnd,
        let size = Int(
          String(decoding: pending[..<sizeEnd], as: UTF8.self).split(separator: ";").first ?? "", radix: 16)
      else {
        throw .io(address: stream.address, detail: "bad chunk size")
      }
      pending.removeFirst(sizeEnd + 2)
      if size == 0 { return body }
      guard body.count + size <= maxBody else {
        throw .io(address: stream.address, detail: "answer body over \(maxBody) bytes")
      }
      while pending.count < size + 2 { pending += try stream.receiveSome(limit: 64 * 1024) }
      body += pending.prefix(size)
      pending.removeFirst(size + 2)
    }
  }
}
