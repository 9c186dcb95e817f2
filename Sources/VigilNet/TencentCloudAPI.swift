import VigilCore

/// Why a Tencent Cloud API 3.0 call failed: no HTTP answer, an answer without a `Response` object, or the
/// API's own `Response.Error` (`AuthFailure.SignatureFailure`, `RequestLimitExceeded`…).
package enum TencentCloudCallError: Error, Sendable, CustomStringConvertible {
  case transport(String)
  case malformed(status: Int, body: String)
  case api(code: String, message: String, requestID: String?)

  package var description: String {
    switch self {
    case .transport(let detail): return detail
    case .malformed(let status, let body): return "HTTP \(status) without a JSON 'Response' object: \(body)"
    case .api(let code, let message, let requestID):
      return "\(code): \(message)" + (requestID.map { " (RequestId \($0))" } ?? "")
    }
  }
}

/// One signed (TC3-HMAC-SHA256) call to a Tencent Cloud API 3.0 endpoint: JSON in, the `Response` object out.
package struct TencentCloudAPI: Sendable {
  package let endpoint: String
  package let signer: TC3Signer
  let transport: any HTTPTransport

  package init(endpoint: String, signer: TC3Signer, transport: any HTTPTransport) {
    self.endpoint = endpoint
    self.signer = signer
    self.transport = transport
  }

  package func call(
    action: String, version: String, region: String?, payload: JSONValue, timestamp: Int64,
    timeout: Double = 10,
    maxBodyBytes: Int = 1 << 20
  ) async throws(TencentCloudCallError) -> JSONValue {
    let body = [UInt8](payload.encodedString().utf8)
    let headers = signer.headers(
      action: action, version: version, region: region, payload: body, timestamp: timestamp)
    let response: HTTPResponse
    do {
      response = try await transport.send(
        HTTPRequest(
          url: endpoint, method: "POST", headers: headers, body: body, timeout: timeout,
          maxBodyBytes: maxBodyBytes))
    } catch {
      throw .transport("\(Redactor.redactURL(endpoint)): \(error)")
    }
    guard let json = try? JSONValue.parse(response.body), let answer = json["Response"] else {
      throw .malformed(
        status: response.status, body: String(decoding: response.body.prefix(200), as: UTF8.self))
    }
    if let error = answer["Error"] {
      throw .api(
        code: error["Code"]?.stringValue ?? "?", message: error["Message"]?.stringValue ?? "",
        requestID: answer["RequestId"]?.stringValue)
    }
    return answer
  }
}
