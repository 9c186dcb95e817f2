import VigilCore
import VigilCron
import VigilNet

/// Tencent Cloud SMS (API 3.0 `SendSms`, TC3-HMAC-SHA256). SMS is template-only: `templateParams` are filled
/// from the notification (`AlertNotification.fill`: `{target}`, `{status}`, `{summary}`, `{count}`…)
/// and cut to `maxParamLength`. Success needs every number's `Code == "Ok"`; numbers already sent are remembered
/// per delivery (in the state store), so a partial failure retries only the numbers that failed.
package struct TencentSMS: Channel {
  package let name: String
  let endpoint: String
  let signer: TC3Signer
  let region: String
  let appID: String
  let signName: String
  let templateID: String
  let templateParams: [String]
  let maxParamLength: Int
  let phoneNumbers: [String]
  let transport: any HTTPTransport
  let clock: any WallClock
  let state: (any StateStore)?

  package init(
    name: String, endpoint: String, signer: TC3Signer, region: String, appID: String, signName: String,
    templateID: String,
    templateParams: [String], maxParamLength: Int, phoneNumbers: [String], transport: any HTTPTransport,
    clock: any WallClock, state: (any StateStore)?
  ) {
    self.name = name
    self.endpoint = endpoint
    self.signer = signer
    self.region = region
    self.appID = appID
    self.signName = signName
    self.templateID = templateID
    self.templateParams = templateParams
    self.maxParamLength = maxParamLength
    self.phoneNumbers = phoneNumbers
    self.transport = transport
    self.clock = clock
    self.state = state
  }

  /// The template parameters for a notification.
  package func parameters(_ notification: AlertNotification) -> [String] {
    templateParams.map { String(notification.fill($0).removingLineBreaks.prefix(maxParamLength)) }
  }

  package func deliver(_ notification: AlertNotification, idempotencyKey: String) async throws(ChannelError) {
    let progressKey = "channels/sms/\(StateKey.segment(idempotencyKey)).json"
    let alreadySent = Set((try? await state?.readJSON([String].self, progressKey)) ?? [])
    let numbers = phoneNumbers.filter { !alreadySent.contains($0) }
    guard !numbers.isEmpty else { return }
    let payload = JSONValue.object([
      "PhoneNumberSet": .array(numbers.map { .string($0) }), "SmsSdkAppId": .string(appID),
      "SignName": .string(signName),
      "TemplateId": .string(templateID),
      "TemplateParamSet": .array(parameters(notification).map { .string($0) }),
      "SessionContext": .string(String(idempotencyKey.prefix(64))),
    ])
    let result: JSONValue
    do {
      result = try await TencentCloudAPI(endpoint: endpoint, signer: signer, transport: transport).call(
        action: "SendSms", version: "2021-01-11", region: region, payload: payload,
        timestamp: Int64(clock.now.timeIntervalSince1970), maxBodyBytes: 256 * 1024)
    } catch {
      switch error {
      case .transport, .malformed: throw .retryable("\(endpoint): \(error)")
      case .api(let code, _, _):
        throw Self.retryable(code) ? .retryable("\(endpoint): \(error)") : .permanent("\(endpoint): \(error)")
      }
    }
    var sent = alreadySent
    var failures: [(number: String, code: String, message: String)] = []
    for status in result["SendStatusSet"]?.arrayValue ?? [] {
      let number = status["PhoneNumber"]?.stringValue ?? "?"
      let code = status["Code"]?.stringValue ?? "?"
      if code == "Ok" {
        sent.insert(number)
      } else {
        failures.append((number, code, status["Message"]?.stringValue ?? ""))
      }
    }
    let missing = numbers.filter { number in
      !sent.contains(number) && !failures.contains { $0.number == number }
    }
    failures += missing.map { ($0, "Missing", "no status returned for this number") }
    guard !failures.isEmpty else {
      try? await state?.delete(progressKey)
      return
    }
    try? await state?.writeJSON(progressKey, Array(sent).sorted())
    let message =
      "\(endpoint): " + failures.map { "\($0.number) \($0.code) \($0.message)" }.joined(separator: "; ")
    throw failures.contains { Self.retryable($0.code) } ? .retryable(message) : .permanent(message)
  }

  /// Worth retrying: internal errors, throttling, per-number frequency caps, missing statuses.
  static func retryable(_ code: String) -> Bool {
    code.hasPrefix("InternalError") || code == "RequestLimitExceeded" || code == "Missing"
      || (code.hasPrefix("LimitExceeded.PhoneNumber") && code != "LimitExceeded.PhoneNumberCountLimit")
      || code == "AuthFailure.SignatureExpire"
  }
}
