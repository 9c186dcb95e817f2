#!/usr/bin/env python3
"""Runs a bootstrap under AWS's Runtime Interface Emulator (.peers/rie/aws-lambda-rie) on loopback, invokes it
with each payload in turn, and prints one JSON object: the answers (status, body, milliseconds), RIE's own
START/END/REPORT lines (RIE passes the runtime's own output through there too), and its log.

usage: rie_invoke.py JSON_SPEC
JSON_SPEC: {"bootstrap": [argv…], "env": {…}, "payloads": [json…], "cwd": "…"}
The emulator listens on free 127.0.0.1 ports; the runtime API address is passed to the bootstrap by RIE.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

spec = json.loads(sys.argv[1])
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


port, api = free_port(), free_port()
env = dict(os.environ, **spec.get("env", {}))
started = time.perf_counter()
rie = subprocess.Popen([os.path.join(root, ".peers/rie/aws-lambda-rie"), "--runtime-interface-emulator-address",
                        "127.0.0.1:%d" % port, "--runtime-api-address", "127.0.0.1:%d" % api] + spec["bootstrap"],
                       cwd=spec.get("cwd", root), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", port), 0.1).close()
        break
    except OSError:
        time.sleep(0.01)
ready = time.perf_counter()
answers = []
for payload in spec["payloads"]:
    request = urllib.request.Request("http://127.0.0.1:%d/2015-03-31/functions/function/invocations" % port,
                                     data=json.dumps(payload).encode(), method="POST")
    begun = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    answers.append({"status": status, "body": body, "ms": round((time.perf_counter() - begun) * 1000, 2)})
rie.terminate()
try:
    out, err = rie.communicate(timeout=10)
except subprocess.TimeoutExpired:
    rie.kill()
    out, err = rie.communicate()
print(json.dumps({"answers": answers, "rie": out.decode(errors="replace").splitlines(),
                  "log": err.decode(errors="replace").splitlines(),
                  "startup_ms": round((ready - started) * 1000, 2)}))
