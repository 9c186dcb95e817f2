import VigilCron

#if canImport(Glibc)
  import Glibc
#endif
/// The cumulative counters a CPU percentage is computed from; kept in the state store between runs.
package struct HostCounters: Sendable, Codable, Hashable {
  package var at: Instant
  var cpu: ProcFS.CPUTimes
  var cores: [ProcFS.CPUTimes]
  /// cgroup v2 `cpu.stat` usage_usec, when the process runs under a CPU limit.
  var cgroupUsageMicroseconds: UInt64?
}

/// One disk's use, as `df` computes it: used / (used + available to unprivileged users).
package struct DiskUse: Sendable, Codable, Hashable {
  package var mount: String
  package var usedPercent: Double
  package var sizeGB: Double
}

/// Whether a named process is running.
package struct ProcessPresence: Sendable, Codable, Hashable {
  package var name: String
  package var count: Int
}

/// The container's limits and use under cgroup v2, when limits are set.
package struct CgroupFigures: Sendable, Codable, Hashable {
  package var memoryLimitMB: Double?
  package var memoryUsedPercent: Double?
  package var cpuLimitCores: Double?
  package var cpuPercentOfLimit: Double?
}

/// One sample of the host (or container) `host-resources` runs on.
package struct HostSample: Sendable, Codable, Hashable {
  /// Busy share of all cores since the previous reading; under a cgroup CPU limit, the share of the limit.
  package var cpuPercent: Double?
  package var corePercents: [Double]
  package var cores: Int
  /// Used share of memory (MemTotal - MemAvailable); under a cgroup memory limit, the share of the limit.
  package var memoryUsedPercent: Double
  package var memoryTotalMB: Double
  package var memoryAvailableMB: Double
  /// nil when the host has no swap.
  package var swapUsedPercent: Double?
  package var load1: Double
  package var load5: Double
  package var load15: Double
  package var disks: [DiskUse]
  package var processes: [ProcessPresence]
  package var cgroup: CgroupFigures?
}

/// Why the host could not be read.
package struct HostReadError: Error, Sendable, CustomStringConvertible {
  package var description: String
}

/// Reads /proc, cgroup v2 files and `statvfs`. Roots and the disk reader are injectable, so tests run on
/// synthetic fixture folders.
package struct HostSampler: Sendable {
  package var procRoot: String
  package var cgroupRoot: String
  package var diskUsage: @Sendable (String) -> DiskUse?

  package init(
    procRoot: String = "/proc", cgroupRoot: String = "/sys/fs/cgroup",
    diskUsage: @escaping @Sendable (String) -> DiskUse? = HostSampler.statvfsUsage
  ) {
    self.procRoot = procRoot
    self.cgroupRoot = cgroupRoot
    self.diskUsage = diskUsage
  }

  func read(_ path: String) -> String? {
    guard let data = try? BoundedRead.file(path, limit: 4 << 20) else { return nil }  // /proc files are small
    return String(decoding: data, as: UTF8.self)
  }

  /// The cgroup folder of this process, when cgroup v2 is mounted.
  var cgroupFolder: String? {
    guard let text = read("\(procRoot)/self/cgroup"), let path = ProcFS.cgroupPath(text) else { return nil }
    let folder = cgroupRoot + (path == "/" ? "" : path)
    return FileSystem.exists("\(folder)/cgroup.controllers") ? folder : nil
  }

  /// The cumulative counters now.
  package func counters(at now: Instant) throws(HostReadError) -> HostCounters {
    guard let text = read("\(procRoot)/stat"), let times = ProcFS.cpuTimes(text) else {
      throw HostReadError(description: "cannot read CPU times from \(procRoot)/stat")
    }
    var usage: UInt64?
    if let folder = cgroupFolder, let max = read("\(folder)/cpu.max"), ProcFS.cgroupLimit(max) != nil {
      usage = read("\(folder)/cpu.stat").flatMap { ProcFS.keyedNumbers($0)["usage_usec"] }
    }
    return HostCounters(at: now, cpu: times.total, cores: times.cores, cgroupUsageMicroseconds: usage)
  }

  /// A sample: CPU from the two readings, the rest as it is now.
  package func sample(
    from earlier: HostCounters, to later: HostCounters, processes names: [String], mounts: [String]?
  )
    throws(HostReadError) -> HostSample
  {
    guard let memText = read("\(procRoot)/meminfo") else {
      throw HostReadError(description: "cannot read \(procRoot)/meminfo")
    }
    let memory = ProcFS.memInfo(memText)
    guard let total = memory["MemTotal"], total > 0 else {
      throw HostReadError(description: "\(procRoot)/meminfo has no MemTotal")
    }
    // MemAvailable exists since Linux 3.14; before it, free + buffers + cached is the usual estimate.
    let available =
      memory["MemAvailable"]
      ?? ((memory["MemFree"] ?? 0) + (memory["Buffers"] ?? 0) + (memory["Cached"] ?? 0))
    let swapTotal = memory["SwapTotal"] ?? 0
    let load = read("\(procRoot)/loadavg").flatMap(ProcFS.loadAverage) ?? (0, 0, 0)
    let corePercents = zip(earlier.cores, later.cores).map { old, new in
      (new.busyPercent(since: old) ?? 0).rounded(toPlaces: 1)
    }
    var sample = HostSample(
      cpuPercent: later.cpu.busyPercent(since: earlier.cpu)?.rounded(toPlaces: 1), corePercents: corePercents,
      cores: max(1, later.cores.count),
      memoryUsedPercent: (Double(total - min(available, total)) / Double(total) * 100).rounded(toPlaces: 1),
      memoryTotalMB: (Double(total) / 1024).rounded(toPlaces: 1),
      memoryAvailableMB: (Double(available) / 1024).rounded(toPlaces: 1),
      swapUsedPercent: swapTotal == 0
        ? nil
        : (Double(swapTotal - min(memory["SwapFree"] ?? 0, swapTotal)) / Double(swapTotal) * 100)
          .rounded(toPlaces: 1),
      load1: load.0, load5: load.1, load15: load.2, disks: [], processes: [], cgroup: nil)
    sample.cgroup = cgroupFigures(earlier: earlier, later: later, hostMemoryKB: total)
    if let cgroup = sample.cgroup {
      if let used = cgroup.memoryUsedPercent { sample.memoryUsedPercent = used }
      if let cpu = cgroup.cpuPercentOfLimit { sample.cpuPercent = cpu }
    }
    let points = mounts ?? read("\(procRoot)/self/mounts").map(ProcFS.mountPoints) ?? ["/"]
    sample.disks = points.compactMap(diskUsage)
    sample.processes = names.map { ProcessPresence(name: $0, count: processCount(named: $0)) }
    return sample
  }

  func cgroupFigures(earlier: HostCounters, later: HostCounters, hostMemoryKB: UInt64) -> CgroupFigures? {
    guard let folder = cgroupFolder else { return nil }
    var figures = CgroupFigures()
    if let limit = read("\(folder)/memory.max").flatMap(ProcFS.cgroupLimit),
      limit.value < hostMemoryKB * 1024,
      let current = read("\(folder)/memory.current").flatMap({ UInt64($0.trimming(" \n")) })
    {
      // As `docker stats` does: the page cache that can be dropped (inactive_file) is not "used".
      let inactive = read("\(folder)/memory.stat").flatMap { ProcFS.keyedNumbers($0)["inactive_file"] } ?? 0
      let used = current > inactive ? current - inactive : current
      figures.memoryLimitMB = (Double(limit.value) / 1_048_576).rounded(toPlaces: 1)
      figures.memoryUsedPercent = (Double(used) / Double(limit.value) * 100).rounded(toPlaces: 1)
    }
    if let limit = read("\(folder)/cpu.max").flatMap(ProcFS.cgroupLimit), let period = limit.period,
      period > 0
    {
      let cores = Double(limit.value) / Double(period)
      figures.cpuLimitCores = cores.rounded(toPlaces: 2)
      if let old = earlier.cgroupUsageMicroseconds, let new = later.cgroupUsageMicroseconds, new >= old {
        let wall = later.at.timeIntervalSince(earlier.at) * 1_000_000
        if wall > 0 {
          figures.cpuPercentOfLimit = min(100, Double(new - old) / (wall * cores) * 100).rounded(toPlaces: 1)
        }
      }
    }
    return figures.memoryLimitMB == nil && figures.cpuLimitCores == nil ? nil : figures
  }

  /// Processes whose `comm` (the name, cut to 15 bytes by the kernel) matches `name`.
  func processCount(named name: String) -> Int {
    let wanted = String(name.utf8.prefix(15)) ?? name
    let entries = FileSystem.entries(of: procRoot) ?? []
    return entries.filter { $0.allSatisfy(\.isNumber) }.count { pid in
      read("\(procRoot)/\(pid)/comm")?.trimming("\n") == wanted
    }
  }

  /// `statvfs` of a mount point, as `df` reports it.
  @Sendable package static func statvfsUsage(_ mount: String) -> DiskUse? {
    var figures = statvfs()
    guard statvfs(mount, &figures) == 0, figures.f_blocks > 0 else { return nil }
    let blockSize = Double(figures.f_frsize)
    let used = Double(figures.f_blocks - figures.f_bfree)
    let usable = used + Double(figures.f_bavail)
    guard usable > 0 else { return nil }
    return DiskUse(
      mount: mount, usedPercent: (used / usable * 100).rounded(toPlaces: 1),
      sizeGB: (Double(figures.f_blocks) * blockSize / 1_073_741_824).rounded(toPlaces: 1))
  }
}

extension Double {
  func rounded(toPlaces places: Int) -> Double {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    return (self * scale).rounded() / scale
  }
}
