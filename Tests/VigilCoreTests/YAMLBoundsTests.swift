import Foundation
import TestSupport
import Testing

@testable import VigilCore

/// What the YAML reader and the configuration file reader do with hostile or broken input: an error naming
/// the place, a bounded excerpt of the input, never a crash and never work that grows faster than the text.
@Suite struct YAMLBoundsTests {
  /// The parse's error, if any; the work runs on a Dispatch thread, not Swift's cooperative pool, which other
  /// tests' handlers need.
  func failure(_ text: String) async -> ConfigError? {
    await offPool { () -> ConfigError? in
      do throws(ConfigError) {
        _ = try YAMLParser.parse(text, file: "t.yml")
        return nil
      } catch {
        return error
      }
    }
  }

  func parse(_ text: String) async throws -> YAMLNode {
    try await offPool { try YAMLParser.parse(text, file: "t.yml") }
  }

  /// One level deeper than the limit, written four ways; each stops at the level past the limit.
  @Test(arguments: ["flow list", "flow mapping", "nested list items", "indented mappings"])
  func nestingPastTheLimitIsAnErrorNotACrash(_ form: String) async throws {
    let limit = YAMLParser.maximumDepth
    // Deep enough to have overflowed the stack before; the indented form grows as the square of its depth.
    let levels = form == "indented mappings" ? 2_000 : 20_000
    let text: String
    switch form {
    case "flow list": text = "a: " + String(repeating: "[", count: levels) + "\n"
    case "flow mapping": text = "a: " + String(repeating: "{b: ", count: levels) + "\n"
    case "nested list items": text = String(repeating: "- ", count: levels) + "x\n"
    default:
      text = (0..<levels).map { String(repeating: " ", count: $0) + "k\($0):\n" }.joined()
    }
    let error = try #require(await failure(text), "\(form) was accepted")
    #expect(error.message.contains("nesting deeper than \(limit) levels"), "\(error)")
    #expect(error.mark.file == "t.yml")
    switch form {
    case "flow list": #expect(error.mark == SourceMark(file: "t.yml", line: 1, column: 3 + limit))
    case "flow mapping": #expect(error.mark == SourceMark(file: "t.yml", line: 1, column: 4 * limit))
    case "nested list items": #expect(error.mark == SourceMark(file: "t.yml", line: 1, column: 1 + 2 * limit))
    default: #expect(error.mark == SourceMark(file: "t.yml", line: limit + 1, column: limit + 1))
    }
  }

  /// The limit itself is allowed: 64 levels (the document's own mapping counts as one).
  @Test func nestingAtTheLimitIsRead() async throws {
    let limit = YAMLParser.maximumDepth
    let flow = "a: " + String(repeating: "[", count: limit - 1) + String(repeating: "]", count: limit - 1)
    var node = try await parse(flow)
    var depth = 0
    while true {
      switch node.kind {
      case .mapping(let entries): node = try #require(entries.first?.value)
      case .sequence(let items):
        guard let first = items.first else {
          depth += 1
          #expect(depth == limit)
          return
        }
        node = first
      default:
        Issue.record("unexpected \(node.kindDescription)")
        return
      }
      depth += 1
    }
  }

  /// Long flow lists and mappings are read in one pass: 50,000 items. (Before, the column of each item was
  /// counted from the start of the line: 20,000 items took 27 s, so 50,000 would take minutes.)
  @Test(.timeLimit(.minutes(5))) func longFlowCollectionsAreReadInOnePass() async throws {
    let count = 50_000
    let list = "a: [" + (0..<count).map(String.init).joined(separator: ", ") + "]\n"
    let node = try await parse(list)
    guard case .mapping(let entries) = node.kind, case .sequence(let items) = entries.first?.value.kind else {
      Issue.record("not a list: \(node.kindDescription)")
      return
    }
    #expect(items.count == count)
    // The last item's column is counted, not guessed: "a: [" plus every "n, " before it.
    let expectedColumn = 5 + (0..<count - 1).reduce(0) { $0 + String($1).count + 2 }
    #expect(items.last?.mark.column == expectedColumn)
    let mapping = "a: {" + (0..<count).map { "k\($0): \($0)" }.joined(separator: ", ") + "}\n"
    guard case .mapping(let outer) = try await parse(mapping).kind,
      case .mapping(let inner) = outer.first?.value.kind
    else {
      Issue.record("not a mapping")
      return
    }
    #expect(inner.count == count)
    #expect(inner.last?.key == "k\(count - 1)")
  }

  @Test func aHugeKeyIsRefusedWithoutBeingEchoed() async throws {
    let key = String(repeating: "k", count: 1_000_000)
    for text in ["\(key): 1\n", "a: {\(key): 1}\n"] {
      let error = try #require(await failure(text))
      #expect(error.message.contains("a key of 1000000 characters"), "\(error.message.prefix(200))")
      #expect(error.message.contains("at most 1024"))
      #expect(error.description.count < 200, "\(error.description.count) characters")
    }
    // At the limit, the key is read.
    let longest = String(repeating: "k", count: YAMLParser.maximumKeyLength)
    #expect(await failure("\(longest): 1\n") == nil)
  }

  @Test func errorsQuoteAnExcerptOfBadInput() async throws {
    let junk = String(repeating: "x", count: 100_000)
    let cases = [
      "a: 1\n\(junk)\n",  // a line that is no 'key: value'
      "a: [1, 2] \(junk)\n",  // text after a flow list
      "a: 'q' \(junk)\n",  // text after a quoted string
    ]
    for text in cases {
      let error = try #require(await failure(text))
      #expect(error.description.count < 300, "\(error.description.prefix(300))")
      #expect(error.message.contains("… (1000"), "\(error.message.prefix(200))")
    }
  }

  @Test func controlCharactersAreNamedByPlace() async throws {
    let nul = try #require(await failure("a: 1\nb: x\u{0}y\n"))
    #expect(nul.mark == SourceMark(file: "t.yml", line: 2, column: 5))
    #expect(nul.message.contains("U+0000"), "\(nul)")
    let escape = try #require(await failure("a: \u{1B}[31mred\n"))
    #expect(escape.message.contains("U+001B"))
    let carriage = try #require(await failure("a: 1\rb: 2\n"))
    #expect(carriage.message.contains("carriage return"), "\(carriage)")
    // Tabs inside values and CRLF line ends are fine.
    #expect(await failure("a: x\ty\r\nb: 2\r\n") == nil)
  }

  @Test func aLeadingByteOrderMarkIsDroppedAndALaterOneNamed() async throws {
    let node = try await parse("\u{FEFF}service: shop\n")
    guard case .mapping(let entries) = node.kind else {
      Issue.record("not a mapping")
      return
    }
    #expect(entries.map(\.key) == ["service"])
    #expect(entries.first?.keyMark.column == 1)
    let later = try #require(await failure("a: 1\nb: \u{FEFF}2\n"))
    #expect(later.mark == SourceMark(file: "t.yml", line: 2, column: 4))
    #expect(later.message.contains("byte-order mark"))
  }
}

/// Reading configuration files: bounded, regular files only, UTF-8 checked with the bad byte's place.
@Suite struct ConfigFileReaderTests {
  func folder() throws -> String {
    let path = NSTemporaryDirectory() + "vigil-config-reader-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  func failure(_ path: String) -> ConfigError? {
    do {
      _ = try ConfigFileReader.read(path)
      return nil
    } catch {
      return error
    }
  }

  @Test func aMissingFileSaysSoPlainly() throws {
    let path = try folder() + "/serverless.yml"
    let error = try #require(failure(path))
    #expect(error.description == "\(path): cannot read the file: No such file or directory")
    #expect(try ConfigFileReader.read(path, missingIsNil: true) == nil)
  }

  @Test func aFIFOOrAFolderIsRefusedAtOnce() throws {
    let base = try folder()
    let fifo = base + "/config.yml"
    #expect(mkfifo(fifo, 0o600) == 0)
    // Nobody writes to the FIFO: a blocking open would wait for ever.
    #expect(try #require(failure(fifo)).message == "not a regular file")
    #expect(try #require(failure(base)).message == "not a regular file")
  }

  @Test func aFileOverTheLimitIsRefused() throws {
    let path = try folder() + "/config.yml"
    let line = "# " + String(repeating: "-", count: 1021) + "\n"  // 1 KiB
    try String(repeating: line, count: 1025).write(toFile: path, atomically: true, encoding: .utf8)
    let error = try #require(failure(path))
    #expect(error.message.contains("larger than 1048576 bytes"), "\(error)")
  }

  @Test func invalidUTF8IsNamedByLineAndColumn() throws {
    let path = try folder() + "/config.yml"
    let bytes = Array("a: 1\nb: é\u{20AC}".utf8) + [0xC3, 0x28] + Array(" x\n".utf8)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let error = try #require(failure(path))
    #expect(error.mark == SourceMark(file: path, line: 2, column: 6))
    #expect(error.message.contains("not valid UTF-8 (byte 0xC3 at offset 13)"), "\(error)")
    // Overlong forms and surrogates are not UTF-8 either.
    for bad: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
      #expect(ConfigFileReader.firstInvalidUTF8(bad[...]) == 0, "\(bad)")
    }
    #expect(ConfigFileReader.firstInvalidUTF8(Array("ok é € 𝄞".utf8)[...]) == nil)
  }

  @Test func aByteOrderMarkStartsTheFileHarmlessly() throws {
    let path = try folder() + "/config.yml"
    try Data([0xEF, 0xBB, 0xBF] + Array("a: 1\n".utf8)).write(to: URL(fileURLWithPath: path))
    #expect(try ConfigFileReader.read(path) == "a: 1\n")
  }
}
