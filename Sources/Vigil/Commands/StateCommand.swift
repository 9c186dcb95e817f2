import VigilCore
import VigilCron
import VigilNet
import VigilRuntime

/// `vigil state check` and `vigil state copy FROM TO`: try the shared state store, move state into it.
enum StateCommand: Command {
  static let name = "state"
  static let summary = "check the state store (a create/compare-and-set/lease round trip) or copy state"
  static let usage = """
    usage: vigil state check [--state STORE] [--config FILE]
           vigil state copy FROM TO [--overwrite]

    check   connects to the state store the options, $VIGIL_STATE or serverless.yml select and runs one
            round trip of everything alerting relies on: a create-only write (and its refusal the second
            time), a compare-and-set (and its refusal on a stale version), a lease (held, refused to another
            owner, released), listing and delete, all under vigil-check/. Each step is printed; the first
            that fails says what failed (connection refused, DNS, timeout, authentication, permission) and the
            exit status is 1.
    copy    copies every record of FROM into TO (each a folder, memory, or a store URL), e.g. a folder's
            state into Redis before instances share it. A record TO already has is kept unless --overwrite;
            leases are not copied. Prints what it copied, kept and skipped.

    options:
    \(configOptionHelp)
    \(stateOptionHelp(fallback: ".vigil"))
      --overwrite        copy: replace records TO already has

    exit status: 0 every step passed / everything copied, 1 a step failed, 2 usage or configuration error.
    """

  static func run(_ raw: [String]) async throws -> Int32 {
    guard
      let arguments = try parse(raw, valued: ["config", "state", "state-dir"], flagNames: ["overwrite"])
    else { return ExitCode.success }
    switch arguments.positionals.first {
    case "check" where arguments.positionals.count == 1:
      return try await check(arguments)
    case "copy" where arguments.positionals.count == 3:
      return try await copy(
        from: arguments.positionals[1], to: arguments.positionals[2], arguments: arguments)
    case "copy":
      throw Arguments.UsageError(command: name, message: "copy takes two stores: vigil state copy FROM TO")
    default:
      throw Arguments.UsageError(
        command: name, message: "say what to do: 'vigil state check' or 'vigil state copy FROM TO'")
    }
  }

  static func selection(_ arguments: Arguments) throws -> StateSelection {
    do {
      if let spec = arguments.options["state"] {
        return StateSelection(spec: spec, origin: .option("state"), environment: environment)
      }
      if let spec = arguments.options["state-dir"] {
        return StateSelection(spec: spec, origin: .option("state-dir"), environment: environment)
      }
      let path = arguments.options["config"] ?? environment["VIGIL_CONFIG"] ?? "serverless.yml"
      if arguments.options["config"] == nil, !FileSystem.exists(path) {
        // No project here: the environment alone.
        return try StateSelection.resolve(
          options: [:], environment: environment,
          settings: ServerlessConfig.VigilSettings(stateDirectory: nil, timezone: "UTC"), fallback: ".vigil")
      }
      return try loadProject(arguments).stateSelection(options: [:])
    } catch let error as StateSelectionError {
      throw usable(error, command: name)
    }
  }

  static func open(_ selection: StateSelection) throws -> any StateStore {
    do {
      return try selection.open()
    } catch let error as StateSelectionError {
      throw usable(error, command: name)
    }
  }

  static func check(_ arguments: Arguments) async throws -> Int32 {
    let selection = try selection(arguments)
    let store = try open(selection)
    Output.out("state store: \(store.displayName) (from \(selection.origin))")
    let probe = "vigil-check/\(RandomUUID.make())"
    let owner = "vigil-check-\(RandomUUID.make())"
    var failed = false
    func step(_ label: String, _ body: () async throws -> String?) async {
      guard !failed else { return }
      do {
        if let problem = try await body() {
          failed = true
          Output.out("FAILED  \(label): \(problem)")
        } else {
          Output.out("ok      \(label)")
        }
      } catch {
        failed = true
        Output.out("FAILED  \(label): \(error)")
      }
    }
    // An object store that ignores conditional headers (Tencent COS) is told how to be used.
    let hint =
      (store as? S3StateStore).map { _ in
        "; an object store without conditional PUT (Tencent COS) needs writes=create-only in the URL"
      } ?? ""
    var version: StateVersion?
    await step("create-only write") {
      version = try await store.put(probe, [UInt8]("probe 1".utf8), if: .absent)
      return version == nil ? "refused although \(probe) did not exist" : nil
    }
    await step("create-only write refused when the record exists") {
      try await store.put(probe, [UInt8]("probe 2".utf8), if: .absent) == nil
        ? nil : "a second create-only write replaced the record: this store cannot keep claims\(hint)"
    }
    await step("read back") {
      let record = try await store.get(probe)
      return record?.data == [UInt8]("probe 1".utf8) ? nil : "read back something else"
    }
    var next: StateVersion?
    await step("compare-and-set") {
      guard let version else { return "no version" }
      next = try await store.put(probe, [UInt8]("probe 3".utf8), if: .version(version))
      return next == nil ? "refused on the version just read" : nil
    }
    await step("compare-and-set refused on a stale version") {
      guard let version else { return "no version" }
      return try await store.put(probe, [UInt8]("probe 4".utf8), if: .version(version)) == nil
        ? nil : "a stale version was accepted: this store cannot keep alert state safely\(hint)"
    }
    await step("listing") {
      try await store.keys(prefix: "vigil-check/").contains(probe) ? nil : "\(probe) is not listed"
    }
    await step("lease taken") {
      try await store.acquireLease(probe, owner: owner, seconds: 30) ? nil : "refused on a free name"
    }
    await step("lease refused to another owner") {
      try await store.acquireLease(probe, owner: owner + "-other", seconds: 30)
        ? "another owner took a held lease" : nil
    }
    await step("lease released by its owner") {
      try await store.releaseLease(probe, owner: owner) ? nil : "the owner could not release it"
    }
    await step("delete") {
      try await store.delete(probe)
      return try await store.get(probe) == nil ? nil : "the record is still there"
    }
    if failed {
      Output.err("vigil: the state store \(store.displayName) cannot be used (see the failed step above)")
      return ExitCode.failure
    }
    Output.out("state store OK")
    return ExitCode.success
  }

  static func copy(from: String, to: String, arguments: Arguments) async throws -> Int32 {
    let source = try open(
      StateSelection(spec: from, origin: .option("state copy FROM"), environment: environment))
    let target = try open(
      StateSelection(spec: to, origin: .option("state copy TO"), environment: environment))
    let overwrite = arguments.flags.contains("overwrite")
    var copied = 0
    var kept = 0
    var skipped = 0
    for key in try await source.keys(prefix: "") {
      if key.hasPrefix("leases/") || key.hasPrefix("vigil-check/") {
        skipped += 1
        continue
      }
      guard let record = try await source.get(key) else { continue }
      if try await target.put(key, record.data, if: overwrite ? .always : .absent) != nil {
        copied += 1
      } else {
        kept += 1
        Output.err("kept: \(target.location(key)) already exists (--overwrite replaces it)")
      }
    }
    Output.out(
      "copied \(copied) record\(copied == 1 ? "" : "s") from \(source.displayName) to \(target.displayName)"
        + (kept > 0 ? "; kept \(kept) the target already had" : "")
        + (skipped > 0 ? "; skipped \(skipped) leases and probes" : ""))
    return ExitCode.success
  }
}
