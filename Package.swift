// swift-tools-version:6.0
// Vigil: a Swift runtime for monitoring functions. No package dependencies by design:
// the toolchain, libcurl and OpenSSL's libcrypto (through two tiny C shims) are all it uses.
import PackageDescription

let package = Package(
  name: "vigil",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "vigil", targets: ["VigilCommand"]),
    // For operators' own packages: `import Vigil`, write a Handler, call `Vigil.main(handlers:)`.
    .library(name: "Vigil", targets: ["Vigil"]),
  ],
  targets: [
    // libcurl and libcrypto are loaded on first use (dlopen), not linked: a process that sends nothing starts
    // without their ~30 shared libraries. Their -dev headers are still needed to build.
    .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]),
    .target(name: "CCrypto", linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]),
    .target(name: "VigilCore", dependencies: ["CSpawn", "VigilCron"]),
    // Time (instants, cron, zones, ISO 8601) and the byte and text helpers every module uses: the runtime
    // imports no Foundation, which would add 5 MB to every function's binary.
    .target(name: "VigilCron"),
    .target(name: "VigilNet", dependencies: ["CCurl", "CCrypto", "VigilCore", "VigilCron"]),
    .target(name: "VigilAlerting", dependencies: ["VigilCore", "VigilCron", "VigilNet"]),
    // posix_spawn's chdir action, which needs _GNU_SOURCE (the exec handler's working directory).
    .target(name: "CSpawn"),
    .target(name: "VigilChecks", dependencies: ["CSpawn", "VigilCore", "VigilCron", "VigilNet"]),
    .target(
      name: "VigilRuntime",
      dependencies: ["VigilCore", "VigilCron", "VigilNet", "VigilAlerting", "VigilChecks"]
    ),
    .target(
      name: "Vigil",
      dependencies: ["VigilCore", "VigilCron", "VigilNet", "VigilAlerting", "VigilChecks", "VigilRuntime"]),
    .executableTarget(name: "VigilCommand", dependencies: ["Vigil"], path: "Sources/vigil"),
    // Benchmark helpers (run by the scripts in bench/, not shipped).
    .executableTarget(name: "cron-next-bench", dependencies: ["VigilCron"], path: "bench/cron-next-swift"),
    .target(
      name: "TestSupport", dependencies: ["CSpawn"], path: "Tests/Support",
      exclude: ["peers", "tools", "crashpoint"]),
    .testTarget(name: "VigilCoreTests", dependencies: ["VigilCore", "TestSupport"]),
    .testTarget(name: "VigilCronTests", dependencies: ["VigilCron"]),
    .testTarget(name: "VigilNetTests", dependencies: ["VigilNet", "TestSupport"]),
    // One contract suite run against every state store (folder, memory, Redis, S3) on real servers.
    .testTarget(name: "VigilStateTests", dependencies: ["VigilCore", "VigilNet", "TestSupport"]),
    .testTarget(name: "VigilChecksTests", dependencies: ["VigilChecks", "TestSupport"]),
    .testTarget(name: "VigilAlertingTests", dependencies: ["VigilAlerting", "TestSupport"]),
    .testTarget(
      name: "VigilRuntimeTests",
      dependencies: ["VigilRuntime", "VigilChecks", "VigilAlerting", "TestSupport"]
    ),
    .testTarget(name: "VigilCLITests", dependencies: ["TestSupport", "VigilCommand"]),  // runs the built binary
    .testTarget(
      name: "VigilFuzzTests",
      dependencies: ["VigilCore", "VigilCron", "VigilNet", "VigilRuntime", "TestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
