/// Reads one-line flow collections: `[a, "b", {k: v}]` and `{k: v, k2: [1, 2]}`.
struct FlowCursor {
  let text: Substring
  let line: Int
  let startColumn: Int
  let file: String
  private var position: Substring.Index

  init(text: Substring, line: Int, column: Int, file: String) {
    self.text = text
    self.line = line
    self.startColumn = column
    self.file = file
    self.position = text.startIndex
  }

  var atEnd: Bool { position == text.endIndex }
  var rest: Substring { text[position...] }
  var mark: SourceMark {
    SourceMark(
      file: file, line: line, column: startColumn + text.distance(from: text.startIndex, to: position))
  }

  mutating func skipSpaces() {
    while position < text.endIndex, text[position] == " " { position = text.index(after: position) }
  }

  mutating func parseFlowNode() throws(ConfigError) -> YAMLNode {
    skipSpaces()
    let here = mark
    guard position < text.endIndex else {
      throw ConfigError(here, "unclosed flow collection: '[' and '{' must close on the same line")
    }
    switch text[position] {
    case "[":
      position = text.index(after: position)
      var items: [YAMLNode] = []
      skipSpaces()
      if position < text.endIndex, text[position] == "]" {
        position = text.index(after: position)
        return YAMLNode(.sequence(items), at: here)
      }
      while true {
        items.append(try parseFlowNode())
        skipSpaces()
        guard position < text.endIndex else {
          throw ConfigError(here, "unclosed '[': flow lists must close on the same line")
        }
        let character = text[position]
        position = text.index(after: position)
        if character == "]" { return YAMLNode(.sequence(items), at: here) }
        if character != "," {
          throw ConfigError(mark, "expected ',' or ']' in a flow list, found '\(character)'")
        }
      }
    case "{":
      position = text.index(after: position)
      var entries: [YAMLEntry] = []
      skipSpaces()
      if position < text.endIndex, text[position] == "}" {
        position = text.index(after: position)
        return YAMLNode(.mapping(entries), at: here)
      }
      while true {
        skipSpaces()
        let keyMark = mark
        let keyNode = try parseFlowScalar(stopAtColon: true)
        guard case .scalar(let key, _) = keyNode.kind else {
          throw ConfigError(keyMark, "expected a key in a flow mapping")
        }
        if entries.contains(where: { $0.key == key }) {
          throw ConfigError(keyMark, "duplicate key '\(key)'")
        }
        skipSpaces()
        guard position < text.endIndex, text[position] == ":" else {
          throw ConfigError(mark, "expected ':' after key '\(key)' in a flow mapping")
        }
        position = text.index(after: position)
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
        position = text.index(after: position)
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
      position = text.index(after: position)
      while position < text.endIndex {
        let character = text[position]
        if quote == "\"" && character == "\\" {
          position = text.index(after: position)
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
            position = text.index(after: next)
            continue
          }
          position = next
          return YAMLNode(.scalar(value, quoted: true), at: here)
        } else {
          value.append(character)
        }
        position = text.index(after: position)
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
      position = text.index(after: position)
    }
    var value = text[start..<position]
    while let last = value.last, last == " " { value = value.dropLast() }
    switch value {
    case "", "~", "null": return YAMLNode(.null, at: here)
    default: return YAMLNode(.scalar(String(value), quoted: false), at: here)
    }
  }
}
