import Dispatch

#if canImport(Glibc)
  import Glibc
#endif

/// A detached POSIX thread with a small stack, for work that blocks (one per connection).
package enum NativeThread {
  package static func start(_ body: @escaping @Sendable () -> Void) {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setstacksize(&attributes, 256 * 1024)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    var thread = pthread_t()
    let box = Unmanaged.passRetained(NativeThreadBody(body)).toOpaque()
    let created = pthread_create(
      &thread, &attributes,
      { pointer in
        guard let pointer else { return nil }
        Unmanaged<NativeThreadBody>.fromOpaque(pointer).takeRetainedValue().body()
        return nil
      }, box)
    pthread_attr_destroy(&attributes)
    if created != 0 {
      // No thread to be had: run on a serial queue of its own rather than drop the work.
      Unmanaged<NativeThreadBody>.fromOpaque(box).release()
      DispatchQueue(label: "vigil.thread.fallback").async { body() }
    }
  }
}

/// The closure a native thread runs, passed through `pthread_create`'s context pointer.
package final class NativeThreadBody: Sendable {
  let body: @Sendable () -> Void
  init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
