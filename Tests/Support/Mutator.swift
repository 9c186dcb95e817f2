/// Seeded mutations of valid inputs, for the fuzz tests: each case is a valid seed with one to four edits
/// (a byte changed, a token inserted, a span deleted or repeated, a line moved, the end cut off). The tokens
/// are the ones that break parsers: brackets, indentation, quotes, escapes, control bytes, a BOM, `${env:`,
/// anchors and tags, huge numbers, long runs of nesting.
public struct Mutator {
  public var generator: SeededGenerator

  public init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

  static let tokens: [[UInt8]] =
    [
      "[", "]", "{", "}", "- ", ": ", ":", "#", "'", "\"", "\\", "\t", "\r", "\n", "\r\n", "  ", ",", "|",
      ">",
      "|-", "&a ", "*a", "!tag ", "? ", "---\n", "...\n", "%YAML 1.2\n", "${env:", "${env:HOME}", "${", "}",
      "\\u12", "\\x", "\\U0001F600", "9999999999999999999999", "-1", "inf", "nan", "1e400", "0x1F", "-0",
      "null", "~", "true", "yes", "é", "€", "𝄞", "*", "/", "?", "L", "W", "#", "7", "60", "-5", "2100",
      "Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n", " HTTP/1.1", "\r\n\r\n", "%00", "..",
    ].map { Array($0.utf8) } + [
      [0], [0x7F], [0xEF, 0xBB, 0xBF], [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xC0, 0x80],
    ]

  public mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &generator) }

  public mutating func pick<T>(_ items: [T]) -> T { items[int(0..<items.count)] }

  /// `seed` with one to four random edits.
  public mutating func mutate(_ seed: [UInt8]) -> [UInt8] {
    var bytes = seed
    for _ in 0..<int(1..<5) { bytes = edit(bytes) }
    return bytes
  }

  private mutating func edit(_ input: [UInt8]) -> [UInt8] {
    var bytes = input
    let at = bytes.isEmpty ? 0 : int(0..<bytes.count + 1)
    switch int(0..<9) {
    case 0 where !bytes.isEmpty:
      bytes[min(at, bytes.count - 1)] = UInt8.random(in: 0...255, using: &generator)
    case 1, 2:
      bytes.insert(contentsOf: pick(Self.tokens), at: at)
    case 3 where !bytes.isEmpty:
      let end = min(bytes.count, at + int(1..<16))
      bytes.removeSubrange(min(at, end)..<end)
    case 4 where !bytes.isEmpty:
      let end = min(bytes.count, at + int(1..<32))
      bytes.insert(contentsOf: bytes[min(at, end)..<end], at: at)
    case 5:
      // A long run: nesting, indentation or one huge word.
      let run = pick([
        Array("[".utf8), Array("{a: ".utf8), Array("- ".utf8), Array(" ".utf8), Array("x".utf8),
      ])
      bytes.insert(contentsOf: Array(repeating: run, count: int(100..<3_000)).joined(), at: at)
    case 6:
      var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
      if lines.count > 1 {
        let from = int(0..<lines.count)
        let line = lines.remove(at: from)
        lines.insert(line, at: int(0..<lines.count + 1))
      }
      bytes = Array(lines.joined(separator: [10]))
    case 7 where !bytes.isEmpty:
      bytes = Array(bytes.prefix(at))
    default:
      bytes.insert(contentsOf: pick(Self.tokens), at: at)
    }
    return bytes
  }
}
