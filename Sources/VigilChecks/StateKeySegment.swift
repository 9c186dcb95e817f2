import VigilNet

/// A state-key segment for a group or function name (state keys allow letters, digits and `-_.:@`); a name
/// that had to be changed gets a short hash, so two names never share a key.
enum StateKeySegment {
  static func make(_ name: String) -> String {
    let cleaned = String(name.map { $0.isLetter || $0.isNumber || "-_.:@".contains($0) ? $0 : "_" })
    guard cleaned != name || cleaned.hasPrefix(".") || cleaned.isEmpty else { return cleaned }
    return "_" + cleaned + "-" + Digest.hex(Digest.hash(.sha256, Array(name.utf8))).prefix(8)
  }
}
