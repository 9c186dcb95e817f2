import Testing

@testable import VigilCore

@Suite struct YAMLParserTests {
  func parse(_ text: String) throws -> YAMLNode { try YAMLParser.parse(text, file: "t.yml") }

  func scalar(_ node: YAMLNode?) -> String? {
    if case .scalar(let text, _)? = node?.kind { return text }
    return nil
  }

  func entries(_ node: YAMLNode) -> [YAMLEntry] {
    if case .mapping(let entries) = node.kind { return entries }
    return []
  }

  func value(_ node: YAMLNode, _ key: String) -> YAMLNode? {
    entries(node).first { $0.key == key }?.value
  }

  func items(_ node: YAMLNode?) -> [YAMLNode] {
    if case .sequence(let items)? = node?.kind { return items }
    return []
  }

  @Test func nestedMappingsAndSequences() throws {
    let root = try parse(
      """
      # leading comment
      service: vigil   # trailing comment
      provider:
        name: tencent
        timeout: 30
      functions:
        web:
          events:
            - timer:
                name: t1
                parameters:
                  cronExpression: '*/5 * * * * * *'
            - apigw: {name: api, parameters: {endpoints: [{path: /hb, method: POST}]}}
      list:
      - a
      - "b # not a comment"
      - 'it''s'
      """)
    #expect(scalar(value(root, "service")) == "vigil")
    let provider = try #require(value(root, "provider"))
    #expect(scalar(value(provider, "timeout")) == "30")
    #expect(value(provider, "timeout")?.mark == SourceMark(file: "t.yml", line: 5, column: 12))
    let functions = try #require(value(root, "functions"))
    let web = try #require(value(functions, "web"))
    let events = items(value(web, "events"))
    #expect(events.count == 2)
    let timer = try #require(value(events[0], "timer"))
    let parameters = try #require(value(timer, "parameters"))
    #expect(scalar(value(parameters, "cronExpression")) == "*/5 * * * * * *")
    let apigw = try #require(value(events[1], "apigw"))
    let apiParameters = try #require(value(apigw, "parameters"))
    let endpoint = try #require(items(value(apiParameters, "endpoints")).first)
    #expect(scalar(value(endpoint, "path")) == "/hb")
    #expect(items(value(root, "list")).map { scalar($0) } == ["a", "b # not a comment", "it's"])
  }

  @Test func blockScalarsKeepOrFoldLines() throws {
    let root = try parse(
      """
      literal: |
        line one
          indented
        # not a comment

      folded: >
        a
        b

        c
      stripped: |-
        x
      kept: |+
        y

      after: end
      """)
    #expect(scalar(value(root, "literal")) == "line one\n  indented\n# not a comment\n")
    #expect(scalar(value(root, "folded")) == "a b\nc\n")
    #expect(scalar(value(root, "stripped")) == "x")
    #expect(scalar(value(root, "kept")) == "y\n\n")
    #expect(scalar(value(root, "after")) == "end")
  }

  @Test func doubleQuotedEscapesAndNulls() throws {
    let root = try parse(
      """
      a: "tab\\there \\u4e2d\\"q\\""
      b: ~
      c:
      d: null
      e: 'http://x:1/y'
      f: http://example.com:8080/a#frag
      """)
    #expect(scalar(value(root, "a")) == "tab\there 中\"q\"")
    for key in ["b", "c", "d"] {
      #expect(value(root, key)?.kind == .null)
    }
    #expect(scalar(value(root, "e")) == "http://x:1/y")
    #expect(scalar(value(root, "f")) == "http://example.com:8080/a#frag")
  }

  /// Each bad document, and exactly where the error must point.
  @Test(
    arguments: [
      ("a: 1\n\tb: 2\n", 2, 1, "tab character in indentation"),
      ("a:\n  b: 1\n   c: 2\n", 3, 4, "bad indentation"),
      ("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a' (first defined at line 1)"),
      ("a: \"open\n", 1, 4, "unterminated quoted string"),
      ("base: &x 1\n", 1, 7, "anchors and aliases"),
      ("a: *x\n", 1, 4, "anchors and aliases"),
      ("a: !!str 1\n", 1, 4, "tags"),
      ("a: [1, 2\n", 1, 4, "unclosed '['"),
      ("a: {k: v\n", 1, 4, "unclosed '{'"),
      ("a: 1\n  b: 2\n", 2, 3, "a nested block cannot follow it"),
      ("just a line\nkey: v\n", 2, 1, "unexpected indentation"),
      ("a:\n  - x\n  y: 1\n", 3, 3, "bad indentation: expected a key at column 1"),
      ("- a\n- b\nc: 1\n", 3, 1, "unexpected indentation"),
      ("a: \"x\" trailing\n", 1, 8, "unexpected text 'trailing'"),
      ("a: \"bad \\q\"\n", 1, 9, "unknown escape"),
      ("---\na: 1\n---\nb: 2\n", 3, 1, "a second YAML document"),
      ("a: |x\n  t\n", 1, 4, "bad block scalar header"),
    ] as [(String, Int, Int, String)])
  func badInputNamesThePlace(text: String, line: Int, column: Int, message: String) throws {
    let error = try #require(throws: ConfigError.self) { try parse(text) }
    #expect(error.mark.line == line, "\(error)")
    #expect(error.mark.column == column, "\(error)")
    #expect(error.message.contains(message), "\(error)")
    #expect(error.description.hasPrefix("t.yml:\(line):\(column): "))
  }

  @Test func windowsLineEndingsAndEmptyDocument() throws {
    let root = try parse("a: 1\r\nb: two\r\n")
    #expect(scalar(value(root, "b")) == "two")
    #expect(try parse("# only a comment\n").kind == .null)
  }
}
