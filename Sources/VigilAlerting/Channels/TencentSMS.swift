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

extension TencentSMS: ConfigurableChannel {
  package static let type = "tencent-sms"
  package static let keys = [
    "secretId", "secretKey", "region", "endpoint", "appId", "signName", "templateId", "templateParams",
    "maxParamLength", "phoneNumbers",
  ]
  package static let secretKeys = ["secretKey"]

  package static func make(name: String, _ settings: ChannelSettings) throws(ConfigError) -> any Channel {
    let map = settings.map
    let endpoint = try settings.vendorURL("endpoint", default: "https://sms.tencentcloudapi.com/")
    var numbers: [String] = []
    for number in try map.required("phoneNumbers").list() {
      let text = try number.string()
      guard text.hasPrefix("+"), text.dropFirst().allSatisfy(\.isNumber), (8...16).contains(text.count) else {
        throw number.error("'\(text.excerpt())' is not an E.164 number like +8618511122266")
      }
      numbers.append(text)
    }
    guard (1...200).contains(numbers.count) else {
      throw try map.required("phoneNumbers").error("'phoneNumbers' takes 1-200 numbers")
    }
    return TencentSMS(
      name: name, endpoint: endpoint,
      signer: TC3Signer(
        secretID: try map.required("secretId").string(), secretKey: try map.required("secretKey").string(),
        service: "sms", host: "sms.tencentcloudapi.com"),
      region: try map.optional("region")?.string() ?? "ap-guangzhou",
      appID: try map.required("appId").string(),
      signName: try map.required("signName").string(),
      templateID: try map.required("templateId").string(),
      templateParams: try map.optional("templateParams")?.stringList() ?? ["{target}", "{status}"],
      maxParamLength: try map.optional("maxParamLength")?.int(within: 1...500) ?? 20,
      phoneNumbers: numbers, transport: settings.transport, clock: settings.clock, state: settings.state)
  }
}
