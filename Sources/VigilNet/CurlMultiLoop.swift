import CCurl
import Dispatch
import Synchronization

/// Drives every HTTP transfer of the process on one libcurl multi handle from one thread.
///
/// Callers hand transfers over with `submit` (a locked queue plus `curl_multi_wakeup`); the loop thread adds
/// them to the multi handle while fewer than `maxInFlight` run, performs, and reports each finished transfer.
/// Only the loop thread touches the multi handle and the easy handles it holds.
final class CurlMultiLoop: @unchecked Sendable {
  // Safe: `multi` is used by the loop thread only, except `curl_multi_wakeup`, which libcurl documents as
  // callable from any thread; `pending` is behind a Mutex; `active` belongs to the loop thread.
  static let shared = CurlMultiLoop()

  /// At most this many transfers run at once; more wait in order.
  static let maxInFlight = 256

  private let multi: UnsafeMutableRawPointer?
  private let pending = Mutex<[CurlTransfer]>([])
  private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

  private init() {
    CurlGlobal.initialize()
    multi = curl_multi_init()
    if let multi {
      ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0)
    }
    let thread = DispatchQueue(label: "vigil.curl-multi")
    thread.async { [self] in run() }
  }

  /// Queues a transfer; its completion runs on the loop thread.
  func submit(_ transfer: CurlTransfer) {
    guard multi != nil, transfer.handle != nil else {
      transfer.complete(CURLE_FAILED_INIT)
      return
    }
    pending.withLock { $0.append(transfer) }
    curl_multi_wakeup(multi)
  }

  /// Aborts a transfer (queued or running) from any thread; its completion reports `.cancelled`.
  func cancel(_ transfer: CurlTransfer) {
    transfer.cancelled.store(true, ordering: .releasing)
    if let multi { curl_multi_wakeup(multi) }
  }

  private func run() {
    guard let multi else { return }
    let raw = multi
    var running: Int32 = 0
    while true {
      admit(raw)
      curl_multi_perform(raw, &running)
      var remaining: Int32 = 0
      while let message = curl_multi_info_read(raw, &remaining) {
        guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
        let code = message.pointee.data.result
        curl_multi_remove_handle(raw, easy)
        if let transfer = active.removeValue(forKey: easy) { transfer.complete(code) }
      }
      abortCancelled(raw)
      admit(raw)
      // Sleep until a socket is ready, a timeout is due, or submit() wakes us.
      curl_multi_poll(raw, nil, 0, active.isEmpty ? 10_000 : 100, nil)
    }
  }

  /// Takes cancelled transfers off the multi handle (closing their connections) and reports them.
  private func abortCancelled(_ raw: UnsafeMutableRawPointer) {
    for (easy, transfer) in active where transfer.cancelled.load(ordering: .acquiring) {
      curl_multi_remove_handle(raw, easy)
      active.removeValue(forKey: easy)
      transfer.complete(CURLE_ABORTED_BY_CALLBACK)
    }
  }

  /// Moves queued transfers onto the multi handle while there is room; cancelled ones are reported at once.
  private func admit(_ raw: UnsafeMutableRawPointer) {
    let room = Self.maxInFlight - active.count
    guard room > 0 else { return }
    let admitted: [CurlTransfer] = pending.withLock { queue in
      let taken = Array(queue.prefix(room))
      queue.removeFirst(taken.count)
      return taken
    }
    for transfer in admitted {
      if transfer.cancelled.load(ordering: .acquiring) {
        transfer.complete(CURLE_ABORTED_BY_CALLBACK)
        continue
      }
      guard let easy = transfer.handle else { continue }
      if curl_multi_add_handle(raw, easy) == CURLM_OK {
        active[easy] = transfer
      } else {
        transfer.complete(CURLE_FAILED_INIT)
      }
    }
  }
}
