#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The few file-system questions Vigil asks besides reading files (`BoundedRead`), answered by the C library.
package enum FileSystem {
  /// The names in the folder at `path` (not `.` or `..`), in no particular order; nil when it cannot be
  /// opened (missing, not a folder, no permission).
  package static func entries(of path: String) -> [String]? {
    guard let folder = opendir(path) else { return nil }
    defer { closedir(folder) }
    var names: [String] = []
    while let entry = readdir(folder) {
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
          String(cString: $0)
        }
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// Whether something (a file, a folder, a link's target) exists at `path`.
  package static func exists(_ path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0
  }

  /// Whether this process may read the file at `path`.
  package static func isReadable(_ path: String) -> Bool {
    access(path, R_OK) == 0
  }
}
