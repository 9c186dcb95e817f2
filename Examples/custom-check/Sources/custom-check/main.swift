import QueueDepth
import Vigil

// The whole vigil command line (invoke, list, validate, schedule, serve, runtime...) with one more handler.
await Vigil.main(handlers: [
  AnyHandler(
    name: "queue-depth", summary: "alerts when a queue is over its depth and not draining", QueueDepthCheck(),
    configuration: { _ = try QueueDepthConfig.read($0) })
])
