extension YAMLNode {
  /// A YAML node built from JSON (an event's override), so the same config readers accept both.
  package init(json: JSONValue, file: String) {
    let mark = SourceMark(file: file, line: 1, column: 1)
    switch json {
    case .null: self.init(.null, at: mark)
    case .bool(let value): self.init(.scalar(String(value), quoted: false), at: mark)
    case .int(let value): self.init(.scalar(String(value), quoted: false), at: mark)
    case .double(let value): self.init(.scalar(String(value), quoted: false), at: mark)
    case .string(let value): self.init(.scalar(value, quoted: true), at: mark)
    case .array(let items): self.init(.sequence(items.map { YAMLNode(json: $0, file: file) }), at: mark)
    case .object(let members):
      let entries = members.sorted { $0.key < $1.key }.map {
        YAMLEntry(key: $0.key, keyMark: mark, value: YAMLNode(json: $0.value, file: file))
      }
      self.init(.mapping(entries), at: mark)
    }
  }
}
