/// One node of a parsed YAML document, with the place it came from.
package struct YAMLNode: Sendable, Hashable {
  /// What the node holds.
  package enum Kind: Sendable, Hashable {
    /// A scalar. `quoted` is true for quoted and block (`|`, `>`) scalars, which are always strings.
    case scalar(String, quoted: Bool)
    case mapping([YAMLEntry])
    case sequence([YAMLNode])
    /// An empty value (`key:` with nothing after it, `~`, `null`).
    case null
  }

  package var kind: Kind
  /// Where the node starts.
  package var mark: SourceMark

  package init(_ kind: Kind, at mark: SourceMark) {
    self.kind = kind
    self.mark = mark
  }

  /// A short name of the node's kind for error messages ("a mapping", "the scalar 'abc'").
  package var kindDescription: String {
    switch kind {
    case .scalar(let text, _): return "'\(text.count > 40 ? String(text.prefix(40)) + "…" : text)'"
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .null: return "an empty value"
    }
  }
}

/// A `key: value` pair of a mapping, in document order.
package struct YAMLEntry: Sendable, Hashable {
  package var key: String
  package var keyMark: SourceMark
  package var value: YAMLNode

  package init(key: String, keyMark: SourceMark, value: YAMLNode) {
    self.key = key
    self.keyMark = keyMark
    self.value = value
  }
}
