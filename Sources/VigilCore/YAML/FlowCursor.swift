/// Reads one-line flow collections: `[a, "b", {k: v}]` and `{k: v, k2: [1, 2]}`. Linear in the line: the
/// column is counted as the cursor moves, duplicate keys are found by hashing; nesting stops at
/// `YAMLParser.maximumDepth` counted from the block the collection is in.
struct FlowCursor {
  let text: Substring
  let line: Int
  let file: String
  private var position: Substring.Index
  private var column: Int
  private var depth: Int

  init(text: Substring, line: Int, column: Int, file: String, depth: Int) {
    self.text = text
    self.line = line
    self.file = file
    self.position = text.startIndex
    self.column = column
    self.depth = depth
  }

  var atEnd: Bool { position == text.endIndex }
  var rest: Substring { text[position...] }
  var mark: SourceMark { SourceMark(file: file, line: line, column: column) }

  private mutating func advance() {
    position = text.index(after: position)
    column += 1
  }

  mutating func skipSpaces() {
    while position < text.endIndex, text[position] == " " { advance() }
  }

  mutating func parseFlowNode() throws(ConfigError) -> YAMLNode {
    skipSpaces()
    let here = mark
    guard position < text.endIndex else {
      throw ConfigError(here, "unclosed flow collection: '[' and '{' must close on the same line")
    }
    let opening = text[position]
    if opening == "[" || opening == "{" {
      depth += 1
      if depth > YAMLParser.maximumDepth {
        throw ConfigError(
          here, "nesting deeper than \(YAMLParser.maximumDepth) levels; no configuration needs that many")
      }
    }
    defer { if opening == "[" || opening == "{" { depth -= 1 } }
    switch opening {
    case "[":
      advance()
      var items: [YAMLNode] = []
      skipSpaces()
      if position < text.endIndex, text[position] == "]" {
        advance()
        return YAMLNode(.sequence(items), at: here)
      }
      while true {
        items.append(try parseFlowNode())
        skipSpaces()
        guard position < text.endIndex else {
          throw ConfigError(here, "unclosed '[': flow lists must close on the same line")
        }
        let character = text[position]
        advance()
        if character == "]" { return YAMLNode(.sequence(items), at: here) }
        if character != "," {
          throw ConfigError(mark, "expected ',' or ']' in a flow list, found '\(character)'")
        }
      }
    case "{":
      advance()
      var entries: [YAMLEntry] = []
      var seen: Set<String> = []
      skipSpaces()
      if position < text.endIndex, text[position] == "}" {
        advance()
        return YAMLNode(.mapping(entries), at: here)
      }
      while true {
        skipSpaces()
        let keyMark = mark
        let keyNode = try parseFlowScalar(stopAtColon: true)
        guard case .scalar(let key, _) = keyNode.kind else {
          throw ConfigError(keyMark, "expected a key in a flow mapping")
        }
        if key.count > YAMLParser.maximumKeyLength {
          throw ConfigError(
            keyMark,
            "a key of \(key.count) characters; YAML allows at most \(YAMLParser.maximumKeyLength) in a key on one line"
          )
        }
        if !seen.insert(key).inserted {
          throw ConfigError(keyMark, "duplicate key '\(key.excerpt())'")
        }
        skipSpaces()
        guard position < text.endIndex, text[position] == ":" else {
          throw ConfigError(mark, "expected ':' after key '\(key.excerpt())' in a flow mapping")
        }
        advance()
        skipSpaces()
        let value: YAMLNode
        if position < text.endIndex, text[position] == "," || text[position] == "}" {
          value = YAMLNode(.null, at: mark)
        } else {
          value = try parseFlowNode()
        }
        entries.append(YAMLEntry(key: key, keyMark: keyMark, value: value))
        skipSpaces()
        guard position < text.endIndex else {
          throw ConfigError(here, "unclosed '{': flow mappings must close on the same line")
        }
        let character = text[position]
        advance()
        if character == "}" { return YAMLNode(.mapping(entries), at: here) }
        if character != "," {
          throw ConfigError(mark, "expected ',' or '}' in a flow mapping, found '\(character)'")
        }
      }
    default:
      return try parseFlowScalar(stopAtColon: false)
    }
  }

  private mutating func parseFlowScalar(stopAtColon: Bool) throws(ConfigError) -> YAMLNode {
    let here = mark
    guard position < text.endIndex else { throw ConfigError(here, "expected a value") }
    let quote = text[position]
    if quote == "\"" || quote == "'" {
      var value = ""
      advance()
      while position < text.endIndex {
        let character = text[position]
        if quote == "\"" && character == "\\" {
          advance()
          guard position < text.endIndex else { break }
          switch text[position] {
          case "n": value.append("\n")
          case "t": value.append("\t")
          case "\"": value.append("\"")
          case "\\": value.append("\\")
          default: throw ConfigError(mark, "unsupported escape '\\\(text[position])' in a flow collection")
          }
        } else if character == quote {
          let next = text.index(after: position)
          if quote == "'", next < text.endIndex, text[next] == "'" {
            value.append("'")
            advance()
            advance()
            continue
          }
          advance()
          return YAMLNode(.scalar(value, quoted: true), at: here)
        } else {
          value.append(character)
        }
        advance()
      }
      throw ConfigError(here, "unterminated quoted string in a flow collection")
    }
    if quote == "&" || quote == "*" || quote == "!" {
      throw ConfigError(here, "anchors, aliases and tags are not supported")
    }
    let start = position
    while position < text.endIndex {
      let character = text[position]
      if character == "," || character == "]" || character == "}" { break }
      if stopAtColon && character == ":" { break }
      if character == ":" {
        let next = text.index(after: position)
        if next == text.endIndex || text[next] == " " { break }
      }
      advance()
    }
    var value = text[start..<position]
    while let last = value.last, last == " " { value = value.dropLast() }
    switch value {
    case "", "~", "null": return YAMLNode(.null, at: here)
    default: return YAMLNode(.scalar(String(value), quoted: false), at: here)
    }
  }
}
