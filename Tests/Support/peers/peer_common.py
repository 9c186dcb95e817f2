"""What every single-port loopback test peer does: serve a handler on 127.0.0.1, print `READY port=PORT`, and
exit when the test process closes our standard input (so a dead test run never leaves a peer behind)."""
import http.server
import os
import sys
import threading


def serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("READY port=%d" % server.server_address[1], flush=True)
    sys.stdin.read()
    os._exit(0)


def stop_child_and_exit(child):
    """Ends a server this peer started (SIGTERM, then SIGKILL after 5 s) and then this process."""
    import subprocess
    child.terminate()
    try:
        child.wait(5)
    except subprocess.TimeoutExpired:
        child.kill()
    os._exit(0)
