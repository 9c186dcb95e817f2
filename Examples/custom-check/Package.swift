// swift-tools-version:6.0
// An operator's own check on Vigil: one handler (queue-depth), the whole vigil command line around it.
// It depends on the Vigil repository two folders up by path; an operator's package would name it by URL:
//   .package(url: "https://github.com/<org>/vigil.git", branch: "main") and .product(name: "Vigil", package: "vigil")
import Foundation
import PackageDescription

// A path dependency is known by its folder's name (lower-cased), whatever the clone was called.
let vigilFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("../..").standardizedFileURL
let vigil = Target.Dependency.product(name: "Vigil", package: vigilFolder.lastPathComponent.lowercased())

let package = Package(
  name: "custom-check",
  platforms: [.macOS(.v15)],
  products: [.executable(name: "custom-check", targets: ["custom-check"])],
  dependencies: [.package(path: "../..")],
  targets: [
    .target(name: "QueueDepth", dependencies: [vigil]),
    .executableTarget(name: "custom-check", dependencies: ["QueueDepth", vigil]),
    .testTarget(name: "QueueDepthTests", dependencies: ["QueueDepth", "custom-check", vigil]),
  ],
  swiftLanguageModes: [.v6]
)
