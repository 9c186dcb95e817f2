import Foundation
import Testing
import VigilCore
import VigilCron

@testable import VigilChecks

/// `host-resources` on synthetic /proc and cgroup v2 fixtures (busy and idle CPU, low memory, a limited
/// container), and one real run on this machine.
@Suite struct HostResourcesTests {
  /// A fixture folder laid out like /proc (and /sys/fs/cgroup when `cgroup` is given).
  struct Fixture {
    let root: String
    var proc: String { root + "/proc" }
    var cgroup: String { root + "/cgroup" }

    init(stat: String, memAvailableKB: Int = 12_000_000, cgroup: [String: String]? = nil) throws {
      root = NSTemporaryDirectory() + "vigil-host-\(UUID().uuidString)"
      let files: [String: String] = [
        "proc/stat": stat,
        "proc/meminfo":
          "MemTotal:       16000000 kB\nMemFree:          500000 kB\nMemAvailable:   \(memAvailableKB) kB\nSwapTotal:       2000000 kB\nSwapFree:        1500000 kB\n",
        "proc/loadavg": "3.50 2.00 1.00 3/400 12345\n",
        "proc/self/mounts":
          "proc /proc proc rw 0 0\n/dev/sda1 / ext4 rw 0 0\ntmpfs /run tmpfs rw 0 0\n/dev/sdb1 /srv/my\\040data xfs rw 0 0\n",
        "proc/self/cgroup": cgroup == nil ? "0::/\n" : "0::/app\n",
        "proc/100/comm": "nginx\n", "proc/101/comm": "nginx\n", "proc/102/comm": "sshd\n",
      ]
      let all = files.merging((cgroup ?? [:]).mapKeys { "cgroup/app/\($0)" }) { a, _ in a }
      for (path, text) in all {
        let url = URL(fileURLWithPath: "\(root)/\(path)")
        try FileManager.default.createDirectory(
          at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
      }
    }

    func sampler() -> HostSampler {
      HostSampler(procRoot: proc, cgroupRoot: cgroup) { mount in
        DiskUse(mount: mount, usedPercent: mount == "/" ? 95.5 : 40, sizeGB: 100)
      }
    }

    func replace(_ path: String, _ text: String) throws {
      try Data(text.utf8).write(to: URL(fileURLWithPath: "\(root)/\(path)"))
    }
  }

  /// Two cores; `busy` and `idle` jiffies per core, cumulative.
  static func stat(busy: UInt64, idle: UInt64) -> String {
    let core = "\(busy) 0 0 \(idle) 0 0 0 0 0 0"
    return "cpu  \(busy * 2) 0 0 \(idle * 2) 0 0 0 0 0 0\ncpu0 \(core)\ncpu1 \(core)\nintr 1 2 3\n"
  }

  func context(_ yaml: String, state: InMemoryStateStore = InMemoryStateStore(), clock: ManualClock) throws
    -> Context
  {
    Context(
      requestID: "req", functionName: "host-resources", region: "local", memoryLimitMB: 64, timeLimit: 10,
      deadline: Instant().addingTimeInterval(10), environment: [:], logger: .silent, state: state,
      clock: clock,
      configuration: ConfigValue(
        try YAMLParser.parse(yaml, file: "config.yml"), path: "config",
        substitution: EnvironmentSubstitution(environment: [:])))
  }

  let config = """
    host: web-01
    sampleInterval: 0s
    cpu: {over: 85, average: 3}
    memory: {over: 90, of: [2, 3]}
    swap: {over: 80}
    load: {over: 1.5}
    disk: {over: 90}
    processes: [nginx, redis]
    """

  @Test func busyCPUAndLowMemoryFromProcDeltas() async throws {
    let fixture = try Fixture(stat: Self.stat(busy: 1000, idle: 9000), memAvailableKB: 800_000)
    let state = InMemoryStateStore()
    let clock = ManualClock(Instant(timeIntervalSince1970: 1_795_000_000))
    let handler = HostResourcesHandler(sampler: fixture.sampler())
    // The first run keeps its counters as the next run's baseline.
    _ = try await handler.handle(.raw(.object([:])), context: try context(config, state: state, clock: clock))
    // 3 s later each core did 270 busy and 30 idle jiffies more: 90 % busy.
    try fixture.replace("proc/stat", Self.stat(busy: 1270, idle: 9030))
    clock.advance(seconds: 3)
    let result = try await handler.handle(
      .raw(.object([:])), context: try context(config, state: state, clock: clock))
    #expect(result.sample.cpuPercent == 90)
    #expect(result.sample.corePercents == [90, 90])
    #expect(result.sample.memoryUsedPercent == 95)
    #expect(result.sample.swapUsedPercent == 25)
    #expect(result.sample.load1 == 3.5)
    #expect(result.sample.disks.map(\.mount) == ["/", "/srv/my data"])
    #expect(result.sample.processes == [.init(name: "nginx", count: 2), .init(name: "redis", count: 0)])
    let byTarget = Dictionary(uniqueKeysWithValues: result.alertCandidates.map { ($0.target, $0) })
    let cpu = try #require(byTarget["web-01 cpu"])
    #expect(!cpu.healthy)
    #expect(cpu.value == 90)
    #expect(cpu.hints?.trigger == .movingAverage(samples: 3, above: 85))
    #expect(cpu.summary == "web-01 cpu 90.0% > 85% (average of 3 samples)")
    #expect(byTarget["web-01 memory"]?.hints?.trigger == .nOfM(n: 2, m: 3))
    #expect(byTarget["web-01 memory"]?.healthy == false)
    #expect(byTarget["web-01 swap"]?.healthy == true)
    #expect(byTarget["web-01 load per core"]?.value == 1.75)
    #expect(byTarget["web-01 load per core"]?.healthy == false)
    #expect(byTarget["web-01 disk /"]?.healthy == false)
    #expect(byTarget["web-01 disk /srv/my data"]?.healthy == true)
    #expect(byTarget["web-01 process nginx"]?.healthy == true)
    #expect(byTarget["web-01 process redis"]?.summary == "web-01: no redis process running")
    #expect(result.breaches.count == 5)
  }

  @Test func idleCPU() async throws {
    let fixture = try Fixture(stat: Self.stat(busy: 1000, idle: 9000))
    let state = InMemoryStateStore()
    let clock = ManualClock(Instant(timeIntervalSince1970: 1_795_000_000))
    let handler = HostResourcesHandler(sampler: fixture.sampler())
    _ = try await handler.handle(.raw(.object([:])), context: try context(config, state: state, clock: clock))
    try fixture.replace("proc/stat", Self.stat(busy: 1003, idle: 9297))
    clock.advance(seconds: 3)
    let result = try await handler.handle(
      .raw(.object([:])), context: try context(config, state: state, clock: clock))
    #expect(result.sample.cpuPercent == 1)
    #expect(result.sample.memoryUsedPercent == 25)
    #expect(result.alertCandidates.first { $0.target == "web-01 cpu" }?.healthy == true)
  }

  @Test func aStaleBaselineIsNotUsed() async throws {
    let fixture = try Fixture(stat: Self.stat(busy: 1000, idle: 9000))
    let state = InMemoryStateStore()
    let clock = ManualClock(Instant(timeIntervalSince1970: 1_795_000_000))
    let handler = HostResourcesHandler(sampler: fixture.sampler())
    _ = try await handler.handle(.raw(.object([:])), context: try context(config, state: state, clock: clock))
    try fixture.replace("proc/stat", Self.stat(busy: 2000, idle: 9000))
    clock.advance(seconds: 3600)
    // An hour-old baseline would blur the figure: the run measures afresh (same file twice: no time passed).
    let result = try await handler.handle(
      .raw(.object([:])), context: try context(config, state: state, clock: clock))
    #expect(result.sample.cpuPercent == nil)
  }

  @Test func cgroupV2LimitsAreRespected() async throws {
    let fixture = try Fixture(
      stat: Self.stat(busy: 1000, idle: 9000),
      cgroup: [
        "cgroup.controllers": "cpu memory\n", "memory.max": "536870912\n", "memory.current": "520093696\n",
        "memory.stat": "anon 400000000\ninactive_file 16777216\n", "cpu.max": "50000 100000\n",
        "cpu.stat": "usage_usec 1000000\nuser_usec 800000\n",
      ])
    let state = InMemoryStateStore()
    let clock = ManualClock(Instant(timeIntervalSince1970: 1_795_000_000))
    let handler = HostResourcesHandler(sampler: fixture.sampler())
    _ = try await handler.handle(.raw(.object([:])), context: try context(config, state: state, clock: clock))
    // 0.45 s of CPU in 1 s under a limit of half a core: 90 % of the limit.
    try fixture.replace("cgroup/app/cpu.stat", "usage_usec 1450000\nuser_usec 1200000\n")
    try fixture.replace("proc/stat", Self.stat(busy: 1010, idle: 9090))
    clock.advance(seconds: 1)
    let result = try await handler.handle(
      .raw(.object([:])), context: try context(config, state: state, clock: clock))
    let cgroup = try #require(result.sample.cgroup)
    #expect(cgroup.memoryLimitMB == 512)
    #expect(cgroup.memoryUsedPercent == 93.8)  // (496 MB - 16 MB inactive file) of 512 MB
    #expect(cgroup.cpuLimitCores == 0.5)
    #expect(cgroup.cpuPercentOfLimit == 90)
    #expect(result.sample.memoryUsedPercent == 93.8)
    #expect(result.sample.cpuPercent == 90)
  }

  @Test func configMistakesNameTheirPlace() throws {
    func error(_ yaml: String) -> String {
      do {
        _ = try HostResourcesConfig.read(
          ConfigValue(
            try YAMLParser.parse(yaml, file: "host.yml"), path: "config",
            substitution: EnvironmentSubstitution(environment: [:])))
        return "no error"
      } catch { return "\(error)" }
    }
    #expect(error("cpu: {over: 185}\n").contains("host.yml:1:6: 'cpu.over' is a percentage"))
    #expect(error("cpu: {over: 85, of: [4, 3]}\n").contains("'of' is [N, M]"))
    #expect(error("cpu: {over: 85, mounts: [/]}\n").contains("unknown key 'mounts'"))
    #expect(error("reportTo: {url: ftp://x}\n").contains("must be an http(s) URL"))
  }

  @Test func aRealRunOnThisMachine() async throws {
    let result = try await HostResourcesHandler().handle(
      .raw(.object([:])),
      context: try context(
        "sampleInterval: 0.2s\ncpu: {over: 100}\nmemory: {over: 100}\ndisk: {over: 100, mounts: [/]}\n",
        clock: ManualClock(Instant())))
    #expect(result.sample.cores >= 1)
    #expect(result.sample.memoryTotalMB > 0)
    #expect((0...100).contains(result.sample.memoryUsedPercent))
    #expect(result.sample.cpuPercent.map { (0...100).contains($0) } ?? false)
    #expect(result.sample.disks.first?.mount == "/")
    #expect(result.sample.disks.first.map { $0.sizeGB > 0 } ?? false)
    #expect(result.alertCandidates.allSatisfy { $0.healthy })
  }
}

extension Dictionary {
  func mapKeys(_ transform: (Key) -> Key) -> [Key: Value] {
    Dictionary(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
  }
}
