/// A value that writes its own JSON, so a large result is never held as one tree: its big list is encoded one
/// element at a time. What it writes must be the bytes `JSONCoding` would write from its tree (sorted keys,
/// the same layout); `JSONObjectWriter` keeps that layout.
package protocol JSONStreamable: Encodable {
  func writeJSON(to out: inout String, pretty: Bool) throws
}

/// Writes one JSON object member by member, in the layout of `JSONValue`'s writer. Members must come in
/// sorted key order, as the tree writer puts them.
package struct JSONObjectWriter {
  private let pretty: Bool
  private let indent: String
  private var count = 0

  /// Starts an object at `indent` (the indentation of the line it starts on).
  package init(to out: inout String, pretty: Bool, indent: String = "") {
    self.pretty = pretty
    self.indent = indent
    out += "{"
  }

  private mutating func key(_ key: String, to out: inout String) {
    if count > 0 { out += "," }
    if pretty { out += "\n" + indent + "  " }
    JSONValue.writeString(key, to: &out)
    out += pretty ? " : " : ":"
    count += 1
  }

  /// A member whose value is a tree.
  package mutating func member(_ name: String, _ value: JSONValue, to out: inout String) {
    key(name, to: &out)
    value.write(to: &out, pretty: pretty, indent: indent + "  ")
  }

  /// A member whose value is a list, each element encoded (and its tree released) before the next.
  package mutating func member<Element: Encodable>(
    _ name: String, elements: some Collection<Element>, to out: inout String
  ) throws {
    key(name, to: &out)
    guard !elements.isEmpty else {
      out += "[]"
      return
    }
    let inner = indent + "    "
    out += "["
    for (index, element) in elements.enumerated() {
      if index > 0 { out += "," }
      if pretty { out += "\n" + inner }
      try JSONValueEncoder.encode(element).write(to: &out, pretty: pretty, indent: inner)
    }
    out += pretty ? "\n" + indent + "  ]" : "]"
  }

  /// A member whose value is an object of `entries` (written in sorted key order), each value encoded (and its
  /// tree released) before the next.
  package mutating func member<Value: Encodable>(
    _ name: String, entries: [String: Value], to out: inout String
  ) throws {
    key(name, to: &out)
    var nested = JSONObjectWriter(to: &out, pretty: pretty, indent: indent + "  ")
    for entryKey in entries.keys.sorted() {
      guard let value = entries[entryKey] else { continue }
      nested.key(entryKey, to: &out)
      try JSONValueEncoder.encode(value).write(to: &out, pretty: pretty, indent: indent + "    ")
    }
    nested.finish(to: &out)
  }

  /// Ends the object.
  package func finish(to out: inout String) {
    if count == 0 {
      out += "}"
    } else {
      out += pretty ? "\n" + indent + "}" : "}"
    }
  }
}
