import VigilCron

/// Vigil's own small YAML reader: block mappings and sequences, plain and quoted scalars, comments,
/// `|` and `>` block scalars, and one-line flow collections (`[a, b]`, `{k: v}`).
///
/// Anchors, aliases, tags and multi-document streams are refused with an error naming the place. Every
/// error carries file:line:column and says what was expected, and quotes at most an excerpt of the input.
/// Nesting is bounded (`maximumDepth`), control characters are refused, and the work is linear in the text.
package struct YAMLParser {
  /// The deepest nesting of mappings, lists and flow collections read: far beyond any real configuration,
  /// far below what would exhaust the stack.
  package static let maximumDepth = 64
  /// The longest key: YAML 1.2 (§7.4.2) limits an implicit key to 1024 characters.
  package static let maximumKeyLength = 1024

  private struct Line {
    var number: Int
    var indent: Int
    /// The content after the indentation, with any trailing comment removed.
    var text: Substring
    /// The raw line, for block scalars.
    var raw: Substring
  }

  private let file: String
  private var lines: [Line] = []
  private var rawLines: [Substring] = []
  private var index = 0
  private var depth = 0

  /// Parses `text`; `file` is the name used in error marks.
  package static func parse(_ text: String, file: String) throws(ConfigError) -> YAMLNode {
    var parser = YAMLParser(file: file)
    return try parser.parseDocument(text)
  }

  private init(file: String) { self.file = file }

  private func mark(_ line: Int, _ column: Int) -> SourceMark {
    SourceMark(file: file, line: line, column: column)
  }

  private mutating func parseDocument(_ fullText: String) throws(ConfigError) -> YAMLNode {
    // A byte-order mark may start a YAML stream; it is not content.
    let text = fullText.first == "\u{FEFF}" ? fullText.dropFirst() : fullText[...]
    // "\r\n" is one Character in Swift, so split on it as well as on "\n".
    rawLines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    var sawDocumentStart = false
    for (offset, raw) in rawLines.enumerated() {
      let number = offset + 1
      try refuseControlCharacters(raw, line: number)
      var indent = 0
      for character in raw {
        if character == " " {
          indent += 1
        } else if character == "\t" {
          let rest = raw.dropFirst(indent).drop(while: { $0 == " " || $0 == "\t" })
          if rest.isEmpty || rest.hasPrefix("#") { break }
          throw ConfigError(
            mark(number, indent + 1), "tab character in indentation; YAML indents with spaces only")
        } else {
          break
        }
      }
      let content = try stripComment(raw.dropFirst(indent), line: number, column: indent + 1)
      if content.isEmpty { continue }
      if indent == 0 && (content == "---" || content.hasPrefix("--- ")) {
        if sawDocumentStart || !lines.isEmpty {
          throw ConfigError(
            mark(number, 1), "a second YAML document ('---') is not supported; use one document per file")
        }
        sawDocumentStart = true
        continue
      }
      if indent == 0 && content == "..." { break }
      if content.hasPrefix("%") && indent == 0 {
        throw ConfigError(mark(number, 1), "YAML directives ('%…') are not supported")
      }
      lines.append(Line(number: number, indent: indent, text: content, raw: raw))
    }
    guard let first = lines.first else {
      return YAMLNode(.null, at: mark(1, 1))
    }
    let node = try parseBlock(indent: first.indent)
    if index < lines.count {
      let line = lines[index]
      throw ConfigError(
        mark(line.number, line.indent + 1),
        "unexpected indentation: this line is indented \(line.indent) spaces but its parent starts at column \(first.indent + 1)"
      )
    }
    return node
  }

  /// YAML allows tab, line feed and carriage return (as a line break) of the C0 controls, and no DEL.
  private func refuseControlCharacters(_ raw: Substring, line: Int) throws(ConfigError) {
    var column = 1
    for character in raw {
      for scalar in character.unicodeScalars {
        let value = scalar.value
        guard (value < 0x20 && value != 0x09) || value == 0x7F || value == 0xFEFF else { continue }
        let hex = String(value, radix: 16, uppercase: true)
        let name =
          switch value {
          case 0x0D: "a carriage return that does not end the line"
          case 0xFEFF: "a byte-order mark inside the text"
          default: "the control character U+\(String(repeating: "0", count: 4 - hex.count))\(hex)"
          }
        throw ConfigError(mark(line, column), "\(name) is not allowed in YAML; remove it")
      }
      column += 1
    }
  }

  /// One more level of nesting; an error past `maximumDepth`.
  private mutating func enter(_ line: Int, _ column: Int) throws(ConfigError) {
    depth += 1
    if depth > Self.maximumDepth {
      throw ConfigError(
        mark(line, column),
        "nesting deeper than \(Self.maximumDepth) levels; no configuration needs that many")
    }
  }

  /// Removes a trailing comment (`#` at the start or after whitespace, outside quotes) and trailing spaces.
  private func stripComment(_ text: Substring, line: Int, column: Int) throws(ConfigError) -> Substring {
    var inSingle = false
    var inDouble = false
    var previous: Character = " "
    var cut = text.endIndex
    var position = text.startIndex
    while position < text.endIndex {
      let character = text[position]
      if inDouble {
        if character == "\\" {
          position = text.index(after: position)
          if position == text.endIndex { break }
        } else if character == "\"" {
          inDouble = false
        }
      } else if inSingle {
        if character == "'" { inSingle = false }
      } else if character == "#" && (previous == " " || previous == "\t") {
        cut = position
        break
      } else if character == "\""
        && (previous == " " || previous == "[" || previous == "{" || previous == "," || previous == ":"
          || position == text.startIndex)
      {
        inDouble = true
      } else if character == "'"
        && (previous == " " || previous == "[" || previous == "{" || previous == "," || previous == ":"
          || position == text.startIndex)
      {
        inSingle = true
      }
      previous = character
      position = text.index(after: position)
    }
    var result = text[text.startIndex..<cut]
    while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
    return result
  }

  // MARK: Block structure

  private mutating func parseBlock(indent: Int) throws(ConfigError) -> YAMLNode {
    let line = lines[index]
    try enter(line.number, line.indent + 1)
    defer { depth -= 1 }
    if isSequenceItem(line.text) {
      return try parseSequence(indent: line.indent)
    }
    if try findMappingColon(line.text, line: line.number, column: line.indent + 1) != nil {
      return try parseMapping(indent: line.indent)
    }
    index += 1
    let node = try parseInlineValue(
      line.text, line: line.number, column: line.indent + 1, parentIndent: line.indent - 1)
    if index < lines.count, lines[index].indent > indent, case .scalar(let text, false) = node.kind {
      // A plain scalar continued on more-indented lines folds into one line.
      var folded = text
      while index < lines.count, lines[index].indent > indent {
        folded += " " + lines[index].text
        index += 1
      }
      return YAMLNode(.scalar(folded, quoted: false), at: node.mark)
    }
    return node
  }

  private func isSequenceItem(_ text: Substring) -> Bool {
    text == "-" || text.hasPrefix("- ")
  }

  private mutating func parseSequence(indent: Int) throws(ConfigError) -> YAMLNode {
    let start = mark(lines[index].number, indent + 1)
    var items: [YAMLNode] = []
    while index < lines.count {
      let line = lines[index]
      if line.indent < indent { break }
      if line.indent > indent {
        throw ConfigError(
          mark(line.number, line.indent + 1),
          "bad indentation: expected a list item ('- ') at column \(indent + 1) or less")
      }
      guard isSequenceItem(line.text) else {
        if try findMappingColon(line.text, line: line.number, column: line.indent + 1) != nil {
          break  // a mapping key at the same indent ends a sequence nested under that mapping
        }
        throw ConfigError(
          mark(line.number, line.indent + 1),
          "expected a list item ('- ') here, found '\(line.text.excerpt())'")
      }
      let rest = line.text.dropFirst(1).drop(while: { $0 == " " })
      if rest.isEmpty {
        index += 1
        if index < lines.count, lines[index].indent > indent {
          items.append(try parseBlock(indent: lines[index].indent))
        } else {
          items.append(YAMLNode(.null, at: mark(line.number, indent + 2)))
        }
        continue
      }
      // The item's content starts on this line: treat it as a line of its own at its column.
      let itemIndent = line.indent + (line.text.count - rest.count)
      lines[index] = Line(number: line.number, indent: itemIndent, text: rest, raw: line.raw)
      items.append(try parseBlock(indent: itemIndent))
    }
    return YAMLNode(.sequence(items), at: start)
  }

  private mutating func parseMapping(indent: Int) throws(ConfigError) -> YAMLNode {
    let start = mark(lines[index].number, indent + 1)
    var entries: [YAMLEntry] = []
    var seen: [String: SourceMark] = [:]
    while index < lines.count {
      let line = lines[index]
      if line.indent < indent { break }
      if line.indent > indent {
        throw ConfigError(
          mark(line.number, line.indent + 1),
          "bad indentation: expected a key at column \(indent + 1), found one at column \(line.indent + 1)")
      }
      if isSequenceItem(line.text) {
        throw ConfigError(
          mark(line.number, line.indent + 1), "a list item ('- ') where a 'key:' was expected")
      }
      guard let colon = try findMappingColon(line.text, line: line.number, column: line.indent + 1) else {
        throw ConfigError(
          mark(line.number, line.indent + 1),
          "expected 'key: value', found '\(line.text.excerpt())' (missing ':'?)")
      }
      let keyText = line.text[line.text.startIndex..<colon]
      let keyMark = mark(line.number, line.indent + 1)
      let key = try parseKey(keyText, mark: keyMark)
      if let previous = seen[key] {
        throw ConfigError(
          keyMark, "duplicate key '\(key.excerpt())' (first defined at line \(previous.line))")
      }
      seen[key] = keyMark
      let afterColon = line.text[line.text.index(after: colon)...]
      let valueText = afterColon.drop(while: { $0 == " " })
      let valueColumn = line.indent + 1 + (line.text.count - valueText.count)
      index += 1
      let value: YAMLNode
      if valueText.isEmpty {
        if index < lines.count, lines[index].indent > indent {
          value = try parseBlock(indent: lines[index].indent)
        } else if index < lines.count, lines[index].indent == indent, isSequenceItem(lines[index].text) {
          value = try parseSequence(indent: indent)  // "key:\n- item" at the key's own indent
        } else {
          value = YAMLNode(.null, at: mark(line.number, valueColumn))
        }
      } else if valueText.first == "|" || valueText.first == ">" {
        value = try parseBlockScalar(
          header: valueText, line: line.number, column: valueColumn, parentIndent: indent)
      } else {
        value = try parseInlineValue(valueText, line: line.number, column: valueColumn, parentIndent: indent)
        if index < lines.count, lines[index].indent > indent {
          let next = lines[index]
          throw ConfigError(
            mark(next.number, next.indent + 1),
            "bad indentation: '\(key.excerpt())' already has a value on line \(line.number); a nested block cannot follow it"
          )
        }
      }
      entries.append(YAMLEntry(key: key, keyMark: keyMark, value: value))
    }
    return YAMLNode(.mapping(entries), at: start)
  }

  /// The index of the ':' that separates key from value (followed by a space or the end), outside quotes
  /// and brackets; nil when the line is not a mapping entry.
  private func findMappingColon(_ text: Substring, line: Int, column: Int) throws(ConfigError) -> Substring
    .Index?
  {
    guard let first = text.first else { return nil }
    if first == "[" || first == "{" { return nil }
    if first == "\"" || first == "'" {
      guard let close = closingQuote(text, quote: first) else { return nil }
      let after = text[text.index(after: close)...].drop(while: { $0 == " " })
      if after.first == ":" {
        let colon = after.startIndex
        let next = text.index(after: colon)
        if next == text.endIndex || text[next] == " " { return colon }
      }
      return nil
    }
    var position = text.startIndex
    while position < text.endIndex {
      if text[position] == ":" {
        let next = text.index(after: position)
        if next == text.endIndex || text[next] == " " { return position }
      }
      position = text.index(after: position)
    }
    return nil
  }

  private func closingQuote(_ text: Substring, quote: Character) -> Substring.Index? {
    var position = text.index(after: text.startIndex)
    while position < text.endIndex {
      let character = text[position]
      if quote == "\"" && character == "\\" {
        position = text.index(after: position)
        if position == text.endIndex { return nil }
      } else if character == quote {
        if quote == "'" {
          let next = text.index(after: position)
          if next < text.endIndex && text[next] == "'" {
            position = text.index(after: next)
            continue
          }
        }
        return position
      }
      position = text.index(after: position)
    }
    return nil
  }

  private func parseKey(_ text: Substring, mark: SourceMark) throws(ConfigError) -> String {
    var key = text
    while let last = key.last, last == " " { key = key.dropLast() }
    if key.isEmpty { throw ConfigError(mark, "empty key before ':'") }
    if key.count > Self.maximumKeyLength {
      throw ConfigError(
        mark,
        "a key of \(key.count) characters; YAML allows at most \(Self.maximumKeyLength) in a key on one line")
    }
    if key.first == "?" { throw ConfigError(mark, "complex keys ('? ') are not supported") }
    if key.first == "&" || key.first == "*" || key.first == "!" {
      throw ConfigError(mark, "anchors, aliases and tags are not supported (found '\(key.excerpt())')")
    }
    if key.first == "\"" || key.first == "'" {
      let node = try parseQuoted(key, line: mark.line, column: mark.column)
      if case .scalar(let text, _) = node.kind { return text }
    }
    return String(key)
  }

  // MARK: Scalars

  private mutating func parseInlineValue(
    _ text: Substring, line: Int, column: Int, parentIndent: Int
  ) throws(ConfigError) -> YAMLNode {
    let here = mark(line, column)
    guard let first = text.first else { return YAMLNode(.null, at: here) }
    switch first {
    case "\"", "'":
      return try parseQuoted(text, line: line, column: column)
    case "[", "{":
      var cursor = FlowCursor(text: text, line: line, column: column, file: file, depth: depth)
      let node = try cursor.parseFlowNode()
      cursor.skipSpaces()
      if !cursor.atEnd {
        throw ConfigError(cursor.mark, "unexpected text '\(cursor.rest.excerpt())' after the closing bracket")
      }
      return node
    case "&", "*":
      throw ConfigError(
        here, "anchors and aliases ('&name', '*name') are not supported; repeat the value instead")
    case "!":
      throw ConfigError(here, "tags ('!tag') are not supported; write the value plainly")
    case "|", ">":
      return try parseBlockScalar(header: text, line: line, column: column, parentIndent: parentIndent)
    case "@", "`":
      throw ConfigError(here, "a plain value cannot start with '\(first)'; quote it")
    default:
      return plainScalar(text, at: here)
    }
  }

  private func plainScalar(_ text: Substring, at mark: SourceMark) -> YAMLNode {
    switch text {
    case "~", "null", "Null", "NULL": return YAMLNode(.null, at: mark)
    default: return YAMLNode(.scalar(String(text), quoted: false), at: mark)
    }
  }

  private func parseQuoted(_ text: Substring, line: Int, column: Int) throws(ConfigError) -> YAMLNode {
    guard let quote = text.first, let close = closingQuote(text, quote: quote) else {
      throw ConfigError(
        mark(line, column), "unterminated quoted string: the closing quote must be on the same line")
    }
    let trailing = text[text.index(after: close)...].drop(while: { $0 == " " })
    if !trailing.isEmpty {
      throw ConfigError(
        mark(line, column + text.distance(from: text.startIndex, to: trailing.startIndex)),
        "unexpected text '\(trailing.excerpt())' after the closing quote")
    }
    let body = text[text.index(after: text.startIndex)..<close]
    if quote == "'" {
      return YAMLNode(
        .scalar(String(body).replacingEvery("''", with: "'"), quoted: true), at: mark(line, column))
    }
    return YAMLNode(
      .scalar(try unescape(body, line: line, column: column + 1), quoted: true), at: mark(line, column))
  }

  private func unescape(_ body: Substring, line: Int, column: Int) throws(ConfigError) -> String {
    var result = ""
    var iterator = body.makeIterator()
    var offset = 0
    while let character = iterator.next() {
      offset += 1
      guard character == "\\" else {
        result.append(character)
        continue
      }
      guard let escaped = iterator.next() else { break }
      offset += 1
      switch escaped {
      case "n": result.append("\n")
      case "t": result.append("\t")
      case "r": result.append("\r")
      case "0": result.append("\0")
      case "\"": result.append("\"")
      case "\\": result.append("\\")
      case "/": result.append("/")
      case " ": result.append(" ")
      case "u", "x", "U":
        let count = escaped == "x" ? 2 : escaped == "u" ? 4 : 8
        var hex = ""
        for _ in 0..<count {
          if let digit = iterator.next() { hex.append(digit) }
        }
        offset += count
        guard let scalarValue = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(scalarValue) else {
          throw ConfigError(
            mark(line, column + offset - count - 2), "bad escape '\\\(escaped)\(hex.excerpt(8))'")
        }
        result.unicodeScalars.append(scalar)
      default:
        throw ConfigError(
          mark(line, column + offset - 2), "unknown escape '\\\(escaped)' in a double-quoted string")
      }
    }
    return result
  }

  /// `|` (literal) and `>` (folded) block scalars with optional chomping (`-`, `+`) and indentation digit.
  private mutating func parseBlockScalar(
    header: Substring, line: Int, column: Int, parentIndent: Int
  ) throws(ConfigError) -> YAMLNode {
    let literal = header.first == "|"
    var chomp: Character = " "
    var explicitIndent: Int?
    for character in header.dropFirst() {
      if character == "-" || character == "+" {
        chomp = character
      } else if let digit = character.wholeNumberValue, digit > 0 {
        explicitIndent = parentIndent + digit
      } else {
        throw ConfigError(
          mark(line, column),
          "bad block scalar header '\(header.excerpt())': expected '|', '>', '|-', '>+' or an indentation digit"
        )
      }
    }
    // Block scalar content is read from the raw lines, since blank lines and '#' belong to it.
    var contentLines: [Substring] = []
    var rawIndex = line  // raw line after the header (0-based index == line number)
    var blockIndent = explicitIndent
    var lastNumber = line
    while rawIndex < rawLines.count {
      let raw = rawLines[rawIndex]
      let spaces = raw.prefix(while: { $0 == " " }).count
      let isBlank = raw.allSatisfy { $0 == " " }
      if !isBlank {
        if blockIndent == nil {
          if spaces <= max(parentIndent, 0) && parentIndent >= 0 { break }
          blockIndent = spaces
        }
        if let required = blockIndent, spaces < required { break }
        if raw.dropFirst(spaces).first == "\t" && spaces < (blockIndent ?? 0) {
          throw ConfigError(mark(rawIndex + 1, spaces + 1), "tab character in block scalar indentation")
        }
      }
      contentLines.append(isBlank ? "" : raw.dropFirst(blockIndent ?? 0))
      rawIndex += 1
      if !isBlank { lastNumber = rawIndex }
    }
    // Skip the parsed logical lines that belong to the block.
    while index < lines.count, lines[index].number <= lastNumber { index += 1 }
    // Trailing blank lines are subject to chomping.
    var trailingBlank = 0
    while let last = contentLines.last, last.isEmpty {
      contentLines.removeLast()
      trailingBlank += 1
    }
    var text: String
    if literal {
      text = contentLines.joined(separator: "\n")
    } else {
      text = ""
      var previousBlank = true
      for (offset, content) in contentLines.enumerated() {
        if content.isEmpty {
          text += "\n"
          previousBlank = true
        } else {
          if offset > 0 && !previousBlank && !content.hasPrefix(" ") { text += " " }
          text += content
          previousBlank = false
        }
      }
    }
    switch chomp {
    case "-": break
    case "+": text += String(repeating: "\n", count: trailingBlank + (contentLines.isEmpty ? 0 : 1))
    default: if !contentLines.isEmpty { text += "\n" }
    }
    return YAMLNode(.scalar(text, quoted: true), at: mark(line, column))
  }
}
