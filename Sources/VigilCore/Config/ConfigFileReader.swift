import VigilCron

/// Reads a configuration file (serverless.yml, a function's config.yml) whole, bounded and checked: at most
/// `maximumBytes`, a regular file only (a FIFO or a device would block or never end), valid UTF-8 (the first
/// bad byte is named by line and column), a leading byte-order mark dropped.
package enum ConfigFileReader {
  /// The largest configuration file read: 1 MiB, far above any real one.
  package static let maximumBytes = 1 << 20

  /// The file's text; nil when it does not exist and `missingIsNil`.
  package static func read(_ path: String, missingIsNil: Bool = false) throws(ConfigError) -> String? {
    let here = SourceMark(file: path, line: 0, column: 0)
    let bytes: [UInt8]
    do {
      bytes = try BoundedRead.file(path, limit: maximumBytes)
    } catch .missing where missingIsNil {
      return nil
    } catch .missing {
      throw ConfigError(here, "cannot read the file: No such file or directory")
    } catch .failed(let reason) {
      throw ConfigError(here, "cannot read the file: \(reason)")
    } catch .notRegular {
      throw ConfigError(here, "not a regular file")
    } catch {
      // .tooLarge
      throw ConfigError(
        here, "the file is larger than \(maximumBytes) bytes, the most a configuration file may have")
    }
    return try text(bytes[...], file: path)
  }

  /// `bytes` as text: UTF-8 checked (the first bad byte named by line and column), a leading BOM dropped.
  package static func text(_ bytes: ArraySlice<UInt8>, file: String) throws(ConfigError) -> String {
    var body = bytes
    if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
    if let bad = firstInvalidUTF8(body) {
      let before = body[body.startIndex..<bad]
      let line = before.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
      let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? body.startIndex
      let column = String(decoding: body[lineStart..<bad], as: UTF8.self).count + 1
      throw ConfigError(
        SourceMark(file: file, line: line, column: column),
        "the file is not valid UTF-8 (byte 0x\(String(body[bad], radix: 16, uppercase: true)) at offset \(bad - body.startIndex))"
      )
    }
    return String(decoding: body, as: UTF8.self)
  }

  /// The index of the first byte that does not belong to well-formed UTF-8 (RFC 3629), or nil.
  static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int? {
    var index = bytes.startIndex
    while index < bytes.endIndex {
      let lead = bytes[index]
      let length: Int
      var low: UInt8 = 0x80
      var high: UInt8 = 0xBF
      switch lead {
      case 0x00...0x7F: length = 1
      case 0xC2...0xDF: length = 2
      case 0xE0:
        length = 3
        low = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED:
        length = 3
        high = 0x9F
      case 0xF0:
        length = 4
        low = 0x90
      case 0xF1...0xF3: length = 4
      case 0xF4:
        length = 4
        high = 0x8F
      default: return index
      }
      guard index + length <= bytes.endIndex else { return index }
      for offset in 1..<max(length, 1) {
        let byte = bytes[index + offset]
        let (minimum, maximum) = offset == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
        if byte < minimum || byte > maximum { return index }
      }
      index += length
    }
    return nil
  }

}

extension StringProtocol {
  /// At most `limit` characters of the text for an error message, control characters shown as `\u{…}`,
  /// with "…" and the full length when cut: bad input is named, never echoed whole.
  package func excerpt(_ limit: Int = 40) -> String {
    var shown = ""
    var count = 0
    for character in self {
      if count == limit {
        return shown + "… (\(self.count) characters)"
      }
      for scalar in character.unicodeScalars {
        if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) {
          shown += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        } else {
          shown.unicodeScalars.append(scalar)
        }
      }
      count += 1
    }
    return shown
  }
}
