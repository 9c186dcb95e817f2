import Testing
import VigilCore
import VigilRuntime

/// Operators' handlers are registered beside the built-in ones: a taken or malformed name stops the start.
@Suite struct HandlerRegistryTests {
  struct Probe: Handler {
    func handle(_ event: InvocationEvent, context: Context) async throws -> String { "probe" }
  }

  @Test func anOperatorsHandlerIsAddedBesideTheBuiltIns() throws {
    let registry = try HandlerRegistry.standard.adding([
      AnyHandler(name: "queue-depth", summary: "the queue drains", Probe())
    ])
    guard case .available(let handler)? = registry.entry("queue-depth") else {
      Issue.record("queue-depth is not registered")
      return
    }
    #expect(handler.summary == "the queue drains")
    #expect(registry.names.contains("website-status") && registry.names.contains("queue-depth"))
  }

  @Test func aTakenOrMalformedNameIsRefusedWithTheReason() {
    #expect {
      _ = try HandlerRegistry.standard.adding([AnyHandler(name: "website-status", summary: "", Probe())])
    } throws: {
      "\($0)" == "handler name 'website-status' is already taken by a built-in handler; choose another name"
    }
    #expect {
      _ = try HandlerRegistry.standard.adding([
        AnyHandler(name: "twice", summary: "", Probe()), AnyHandler(name: "twice", summary: "", Probe()),
      ])
    } throws: {
      "\($0)"
        == "handler name 'twice' is already taken by another handler given to Vigil.main; choose another name"
    }
    #expect {
      _ = try HandlerRegistry.standard.adding([AnyHandler(name: "Queue Depth", summary: "", Probe())])
    } throws: {
      "\($0)".hasPrefix("handler name 'Queue Depth' must be 1-64 lower-case letters, digits and '-'")
    }
  }

  /// Every built-in handler with a configuration file validates it with the reader it runs with.
  @Test func builtInChecksCarryTheirConfigurationReaders() {
    for name in [
      "website-status", "region-latency", "kafka-backlog", "host-resources", "heartbeat-ingest",
      "heartbeat-watchdog",
    ] {
      guard case .available(let handler)? = HandlerRegistry.standard.entry(name) else {
        Issue.record("\(name) missing")
        continue
      }
      #expect(handler.validateConfiguration != nil, "\(name)")
    }
  }
}
