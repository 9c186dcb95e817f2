import Foundation

/// A listener on 127.0.0.1 that accepts and never answers; it reports when a connection came and when the
/// client closed it.
public final class SilentListener: @unchecked Sendable {
  public let port: Int
  private let listener: Int32

  public init() throws {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(descriptor, $0, length) == 0 && listen(descriptor, 8) == 0
          && getsockname(descriptor, $0, &length) == 0
      }
    }
    listener = descriptor
    guard bound else {
      throw PeerProcess.PeerError(message: "cannot listen: \(String(cString: strerror(errno)))")
    }
    port = Int(UInt16(bigEndian: address.sin_port))
  }

  deinit { close(listener) }

  /// Waits (at most `timeout` s) for a connection; returns it (the caller closes it), or -1.
  public func accepted(timeout: Double) async -> Int32 {
    let listener = self.listener
    return await offPool {
      var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return -1 }
      return accept(listener, nil, nil)
    }
  }

  /// Waits (at most `timeout` s) for the client to close `connection`; whether it did.
  public static func closedByClient(_ connection: Int32, timeout: Double) async -> Bool {
    await offPool {
      let deadline = Date().addingTimeInterval(timeout)
      var buffer = [UInt8](repeating: 0, count: 4096)
      while Date() < deadline {
        var poller = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 100) == 1 else { continue }
        if recv(connection, &buffer, buffer.count, 0) <= 0 { return true }  // the request, then EOF
      }
      return false
    }
  }
}
