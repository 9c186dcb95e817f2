/// A value that writes its own JSON, so a large result is never held as one tree: its big list is encoded one
/// element at a time. What it writes must be the bytes `JSONCoding` would write from its tree (sorted keys,
/// the same layout); `JSONObjectWriter` keeps that layout.
package protocol JSONStreamable: Encodable {
  func writeJSON(to out: inout JSONText, pretty: Bool) throws
}

/// JSON being written: the text so far, handed to a drain (standard output) in pieces of about 64 KB when there
/// is one, so a result of megabytes is never held whole.
package struct JSONText {
  package var text = ""
  private let drain: ((String) -> Void)?

  package init(drain: ((String) -> Void)? = nil) { self.drain = drain }

  /// Hands the text to the drain once it reaches 64 KB (with no drain it keeps growing).
  package mutating func drainIfLarge() {
    guard let drain, text.utf8.count >= 1 << 16 else { return }
    drain(text)
    text = ""
  }
}

/// Writes one JSON object member by member, in the layout of `JSONValue`'s writer. Members must come in
/// sorted key order, as the tree writer puts them.
package struct JSONObjectWriter {
  private let pretty: Bool
  private let indent: String
  private var count = 0

  /// Starts an object at `indent` (the indentation of the line it starts on).
  package init(to out: inout JSONText, pretty: Bool, indent: String = "") {
    self.pretty = pretty
    self.indent = indent
    out.text += "{"
  }

  private mutating func key(_ key: String, to out: inout JSONText) {
    if count > 0 { out.text += "," }
    if pretty { out.text += "\n" + indent + "  " }
    JSONValue.writeString(key, to: &out.text)
    out.text += pretty ? " : " : ":"
    count += 1
  }

  /// A member whose value is a tree.
  package mutating func member(_ name: String, _ value: JSONValue, to out: inout JSONText) {
    key(name, to: &out)
    value.write(to: &out.text, pretty: pretty, indent: indent + "  ")
  }

  /// A member whose value is a list, each element encoded (and its tree released) before the next.
  package mutating func member<Element: Encodable>(
    _ name: String, elements: some Collection<Element>, to out: inout JSONText
  ) throws {
    key(name, to: &out)
    guard !elements.isEmpty else {
      out.text += "[]"
      return
    }
    let inner = indent + "    "
    out.text += "["
    for (index, element) in elements.enumerated() {
      if index > 0 { out.text += "," }
      if pretty { out.text += "\n" + inner }
      try JSONValueEncoder.encode(element).write(to: &out.text, pretty: pretty, indent: inner)
      out.drainIfLarge()
    }
    out.text += pretty ? "\n" + indent + "  ]" : "]"
  }

  /// A member whose value is an object of `entries` (written in sorted key order), each value encoded (and its
  /// tree released) before the next.
  package mutating func member<Value: Encodable>(
    _ name: String, entries: [String: Value], to out: inout JSONText
  ) throws {
    key(name, to: &out)
    var nested = JSONObjectWriter(to: &out, pretty: pretty, indent: indent + "  ")
    for entryKey in entries.keys.sorted() {
      guard let value = entries[entryKey] else { continue }
      nested.key(entryKey, to: &out)
      try JSONValueEncoder.encode(value).write(to: &out.text, pretty: pretty, indent: indent + "    ")
      out.drainIfLarge()
    }
    nested.finish(to: &out)
  }

  /// Ends the object.
  package func finish(to out: inout JSONText) {
    if count == 0 {
      out.text += "}"
    } else {
      out.text += pretty ? "\n" + indent + "}" : "}"
    }
  }
}
