import VigilCore

/// Parsers for the Linux files `host-resources` reads: pure functions over their text, so synthetic fixtures
/// test them exactly.
enum ProcFS {
  /// One `cpu` line of /proc/stat: cumulative jiffies.
  struct CPUTimes: Sendable, Codable, Hashable {
    /// user + nice + system + idle + iowait + irq + softirq + steal (guest time is already in user).
    var total: UInt64
    /// idle + iowait.
    var idle: UInt64

    /// Busy share between `earlier` and self, in percent; nil when no time passed.
    func busyPercent(since earlier: CPUTimes) -> Double? {
      guard total > earlier.total else { return nil }
      let elapsed = Double(total - earlier.total)
      let idled = Double(idle >= earlier.idle ? idle - earlier.idle : 0)
      return max(0, min(100, (elapsed - idled) / elapsed * 100))
    }
  }

  /// /proc/stat: the aggregate line and each core's, in order.
  static func cpuTimes(_ text: String) -> (total: CPUTimes, cores: [CPUTimes])? {
    var total: CPUTimes?
    var cores: [CPUTimes] = []
    for line in text.split(separator: "\n") where line.hasPrefix("cpu") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count >= 5 else { continue }
      let numbers = fields.dropFirst().prefix(8).map { UInt64($0) ?? 0 }
      let times = CPUTimes(
        total: numbers.reduce(0, +), idle: numbers[3] + (numbers.count > 4 ? numbers[4] : 0))
      if fields[0] == "cpu" { total = times } else { cores.append(times) }
    }
    return total.map { ($0, cores) }
  }

  /// /proc/meminfo as kB values by name.
  static func memInfo(_ text: String) -> [String: UInt64] {
    var values: [String: UInt64] = [:]
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let number = line[line.index(after: colon)...].split(separator: " ").first.flatMap { UInt64($0) }
      if let number { values[String(line[..<colon])] = number }
    }
    return values
  }

  /// /proc/loadavg: the 1, 5 and 15 minute load averages.
  static func loadAverage(_ text: String) -> (Double, Double, Double)? {
    let fields = text.split(separator: " ").prefix(3).compactMap { Double($0) }
    return fields.count == 3 ? (fields[0], fields[1], fields[2]) : nil
  }

  /// Filesystems that hold no user data (and `df` hides): never reported as disks.
  static let pseudoFilesystems: Set<String> = [
    "proc", "sysfs", "devpts", "devtmpfs", "tmpfs", "cgroup", "cgroup2", "securityfs", "pstore", "bpf",
    "tracefs",
    "debugfs", "mqueue", "hugetlbfs", "fusectl", "configfs", "autofs", "binfmt_misc", "nsfs", "rpc_pipefs",
    "efivarfs", "ramfs", "squashfs", "fuse.lxcfs", "selinuxfs", "overlay.internal",
  ]

  /// /proc/self/mounts: the mount points of real filesystems, `\040`-style escapes decoded, first mount wins.
  static func mountPoints(_ text: String) -> [String] {
    var seen: Set<String> = []
    var points: [String] = []
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard fields.count >= 3, !pseudoFilesystems.contains(String(fields[2])) else { continue }
      let point = String(fields[1]).decodingByteEscapes(marker: "\\", digits: 3, radix: 8)
      if seen.insert(point).inserted { points.append(point) }
    }
    return points
  }

  /// /proc/self/cgroup on cgroup v2: the `0::/path` line's path.
  static func cgroupPath(_ text: String) -> String? {
    text.split(separator: "\n").first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) }
  }

  /// cgroup v2 `memory.max` / `cpu.max` numbers; nil for `max` (no limit).
  static func cgroupLimit(_ text: String) -> (value: UInt64, period: UInt64?)? {
    let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
    guard let first = fields.first, first != "max", let value = UInt64(first) else { return nil }
    return (value, fields.count > 1 ? UInt64(fields[1]) : nil)
  }

  /// A `key value` file (cpu.stat, memory.stat) as numbers by key.
  static func keyedNumbers(_ text: String) -> [String: UInt64] {
    var values: [String: UInt64] = [:]
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ")
      if fields.count == 2, let number = UInt64(fields[1]) { values[String(fields[0])] = number }
    }
    return values
  }
}
