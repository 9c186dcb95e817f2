#!/usr/bin/env python3
"""A loopback stand-in for Tencent SCF's Custom Runtime API, answering as the docs describe (see
../shared/reference/faas-runtime.md §2.1), and a driver that runs a bootstrap against it.

API (what the runtime sees):
  POST /runtime/init/ready        200 (the first `ready_failures` calls get 500, to test retries)
  GET  /runtime/invocation/next   long poll; the event as the body, headers request_id, memory_limit_in_mb,
                                  time_limit_in_ms. Before init/ready it answers 403 and records a violation.
  POST /runtime/invocation/response, /runtime/invocation/error   the first post is final; a second is a violation.

usage: scf_runtime_standin.py JSON_SPEC
JSON_SPEC: {"bootstrap": [argv…], "env": {…}, "cwd": "…", "events": ["raw body", …], "ready_failures": N,
            "time_limit_in_ms": 3000}
Starts the API, starts the bootstrap with SCF_RUNTIME_API/SCF_RUNTIME_API_PORT set, delivers each event in turn
(waiting for its result), stops the bootstrap, and prints one JSON object: results, violations, ready calls, the
bootstrap's exit status if it exited by itself, and its log.
"""
import http.server
import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid

spec = json.loads(sys.argv[1])
state = {"ready": False, "ready_calls": 0, "violations": [], "current": None}
events = queue.Queue()
results = {}
lock = threading.Condition()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/runtime/init/ready":
            with lock:
                state["ready_calls"] += 1
                if state["ready_calls"] <= spec.get("ready_failures", 0):
                    return self.reply(500, b'{"error":"internal error"}')
                state["ready"] = True
            return self.reply(200, b"")
        if self.path in ("/runtime/invocation/response", "/runtime/invocation/error"):
            with lock:
                current = state["current"]
                if current is None or current in results:
                    state["violations"].append("result posted with no invocation open: " + self.path)
                else:
                    results[current] = {"kind": self.path.rsplit("/", 1)[1], "body": body.decode(errors="replace")}
                    lock.notify_all()
            return self.reply(200, b"")
        self.reply(404, b"")

    def do_GET(self):
        if self.path != "/runtime/invocation/next":
            return self.reply(404, b"")
        with lock:
            if not state["ready"]:
                state["violations"].append("invocation/next before init/ready")
                return self.reply(403, b'{"error":"init not ready"}')
        request_id, event = events.get()
        with lock:
            state["current"] = request_id
        self.reply(200, event.encode(), {"request_id": request_id, "memory_limit_in_mb": "128",
                                         "time_limit_in_ms": str(spec.get("time_limit_in_ms", 3000)),
                                         "Content-Type": "application/json"})


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
env = dict(os.environ, **spec.get("env", {}))
env["SCF_RUNTIME_API"] = "127.0.0.1"
env["SCF_RUNTIME_API_PORT"] = str(server.server_address[1])
log_path = os.path.join(spec.get("cwd", "."), "runtime.log")
runtime = subprocess.Popen(spec["bootstrap"], cwd=spec.get("cwd"), env=env, stdout=subprocess.DEVNULL,
                           stderr=open(log_path, "w"))
answers = []
for event in spec.get("events", []):
    request_id = str(uuid.uuid4())
    events.put((request_id, event))
    deadline = time.time() + 15
    with lock:
        while request_id not in results and time.time() < deadline and runtime.poll() is None:
            lock.wait(0.1)
        answers.append(dict(results.get(request_id, {"kind": "none", "body": ""}), request_id=request_id))
    if runtime.poll() is not None:
        break
time.sleep(0.2)
exited = runtime.poll()
if exited is None:
    runtime.terminate()
    runtime.wait(10)
print(json.dumps({"results": answers, "violations": state["violations"], "ready_calls": state["ready_calls"],
                  "exited": exited, "log": open(log_path).read().splitlines()}), flush=True)
os._exit(0)
