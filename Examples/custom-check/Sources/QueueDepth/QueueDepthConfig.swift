import Vigil

/// `functions/queue-depth/config.yml`: the queues to watch.
///
/// ```yaml
/// queues:
///   - {name: orders, url: 'http://127.0.0.1:8080/queues/orders', maxDepth: 1000, timeout: 3s}
/// ```
public struct QueueDepthConfig: Sendable, Equatable {
  /// One queue: where its depth is read and how deep it may get.
  public struct Queue: Sendable, Equatable {
    /// Names the queue in alerts and state (lower-case letters, digits and `-`).
    public var name: String
    /// An `http://host:port/path` URL answering `{"depth": N}`.
    public var url: HTTPURL
    /// Above this depth the queue must be getting shorter.
    public var maxDepth: Int
    /// Seconds for the whole request.
    public var timeout: Double
  }

  public var queues: [Queue]

  /// Reads the file; every mistake is a `ConfigError` at its file:line:column.
  public static func read(_ value: ConfigValue) throws -> QueueDepthConfig {
    let root = try value.mapping(allowed: ["queues"])
    let list = try root.required("queues")
    var queues: [Queue] = []
    for item in try list.list() {
      let fields = try item.mapping(allowed: ["name", "url", "maxDepth", "timeout"])
      let nameValue = try fields.required("name")
      let name = try nameValue.string()
      guard !name.isEmpty, name.count <= 64,
        name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
      else {
        throw nameValue.error(
          "name must be lower-case letters, digits and '-', found \(nameValue.shown(name))")
      }
      guard !queues.contains(where: { $0.name == name }) else {
        throw nameValue.error("queue '\(name)' is listed twice")
      }
      let urlValue = try fields.required("url")
      let text = try urlValue.string()
      guard let url = HTTPURL(text) else {
        throw urlValue.error("url must be http://host:port/path, found \(urlValue.shown(text))")
      }
      let maxDepth = try fields.required("maxDepth").int(within: 0...Int(Int32.max))
      let timeout = try fields.optional("timeout")?.duration(within: 0.1...60) ?? 5
      queues.append(Queue(name: name, url: url, maxDepth: maxDepth, timeout: timeout))
    }
    guard !queues.isEmpty else { throw list.error("list at least one queue") }
    return QueueDepthConfig(queues: queues)
  }
}
