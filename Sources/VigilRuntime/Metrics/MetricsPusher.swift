import VigilCore
import VigilCron
import VigilNet

/// Pushes one run's figures to a Prometheus Pushgateway (`custom.vigil.metrics.push`), since nothing scrapes
/// a FaaS function: a PUT to `/metrics/job/<job>/function/<function>/region/<region>` replaces that group, so
/// each function and region keeps its latest run there.
package struct MetricsPusher: Sendable {
  package let base: String
  package let job: String
  package let client: any HTTPTransport

  package init(base: String, job: String, client: any HTTPTransport) {
    self.base = base
    self.job = job
    self.client = client
  }

  /// The group's URL; label values in Pushgateway's base64 form (`…@base64/…`), so any name is safe.
  func url(function: String, region: String) -> String {
    func label(_ name: String, _ value: String) -> String {
      let encoded = Base64.encode(Array(value.utf8)).map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }
      return "/\(name)@base64/" + String(encoded)
    }
    return base + "/metrics" + label("job", job) + label("function", function) + label("region", region)
  }

  package func push(_ candidates: [AlertCandidate], function: String, region: String, now: Instant)
    async throws
  {
    let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
    let targets = candidates.map { candidate -> TargetHistory in
      var figures = candidate.figures ?? [:]
      if let value = candidate.value, figures["total"] == nil, figures["value"] == nil {
        figures["value"] = value
      }
      let point = HistoryPoint(time: seconds, up: candidate.healthy, figures: figures)
      return TargetHistory(
        function: function, region: region, target: candidate.target, latest: point,
        uptime: .init(day: nil, week: nil, month: nil, quarter: nil), daily: [], points: [point])
    }
    let model = StatusPageModel(
      now: seconds,
      functions: [
        .init(
          name: function,
          targets: targets.map { StatusPageModel.Target(function: function, name: $0.target, regions: [$0]) },
          maintenanceUntil: nil, incidents: [])
      ])
    let body = MetricsExport.render(model, outboxPending: nil)
    let response: HTTPResponse
    do {
      response = try await client.send(
        HTTPRequest(
          url: url(function: function, region: region), method: "PUT",
          headers: [(name: "Content-Type", value: "text/plain; version=0.0.4")], body: Array(body.utf8),
          connectTimeout: 3, timeout: 5, maxBodyBytes: 4096, followRedirects: false))
    } catch {
      throw MetricsPushError(message: "metrics not pushed to \(Redactor.redactURL(base)): \(error)")
    }
    guard (200..<300).contains(response.status) else {
      let text = String(decoding: response.body.prefix(200), as: UTF8.self)
      throw MetricsPushError(
        message: "metrics not pushed to \(Redactor.redactURL(base)): HTTP \(response.status) \(text)")
    }
  }
}

package struct MetricsPushError: Error, CustomStringConvertible {
  package var message: String
  package var description: String { message }
}
