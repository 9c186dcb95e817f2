#!/usr/bin/env python3
"""Runs a bootstrap under AWS's Runtime Interface Emulator (.peers/rie/aws-lambda-rie) on loopback, invokes it
with each payload in turn, and prints one JSON object: the answers (status, body, milliseconds), RIE's own
START/END/REPORT lines (RIE passes the runtime's own output through there too), and its log.

usage: rie_invoke.py JSON_SPEC
JSON_SPEC: {"bootstrap": [argv…], "env": {…}, "payloads": [json…], "cwd": "…", "instances": [{…env…}, …]}
The emulator listens on free 127.0.0.1 ports; the runtime API address is passed to the bootstrap by RIE.
With "instances", one emulator and runtime process runs per entry (its env added to "env"), and the payloads go
to them in turn (the first to instance 0, the second to instance 1, …): separate FaaS instances. With
"after_each": URL, that URL is read after each invocation and its body kept in the answer as "after".
A payload may also be a step: {"to": i, "event": json} sends the event to instance i (not in turn);
{"stop": i} stops instance i's emulator and runtime (later steps must not send to it); {"pause": s} lets s
seconds of wall time pass (a freshness window running out: the time itself is what is tested).
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


env = dict(os.environ, **spec.get("env", {}))
started = time.perf_counter()
emulators = []
for extra in spec.get("instances", [{}]):
    port, api = free_port(), free_port()
    rie = subprocess.Popen([os.path.join(root, ".peers/rie/aws-lambda-rie"), "--runtime-interface-emulator-address",
                            "127.0.0.1:%d" % port, "--runtime-api-address", "127.0.0.1:%d" % api] + spec["bootstrap"],
                           cwd=spec.get("cwd", root), env=dict(env, **extra), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            break
        except OSError:
            time.sleep(0.01)
    emulators.append((port, rie))
ready = time.perf_counter()
answers = []
stopped = {}
sent = 0
for payload in spec["payloads"]:
    if isinstance(payload, dict) and "stop" in payload:
        rie = emulators[payload["stop"]][1]
        rie.terminate()
        try:
            stopped[payload["stop"]] = rie.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            rie.kill()
            stopped[payload["stop"]] = rie.communicate()
        continue
    if isinstance(payload, dict) and "pause" in payload:
        time.sleep(payload["pause"])
        continue
    if isinstance(payload, dict) and "to" in payload:
        target, payload = payload["to"], payload["event"]
    else:
        target = sent % len(emulators)
    sent += 1
    port = emulators[target][0]
    request = urllib.request.Request("http://127.0.0.1:%d/2015-03-31/functions/function/invocations" % port,
                                     data=json.dumps(payload).encode(), method="POST")
    begun = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    answer = {"status": status, "body": body, "ms": round((time.perf_counter() - begun) * 1000, 2),
              "instance": target}
    if spec.get("after_each"):
        # What a capture server holds after this invocation (e.g. the alerts received so far).
        with urllib.request.urlopen(spec["after_each"], timeout=10) as response:
            answer["after"] = response.read().decode()
    answers.append(answer)
out, err = b"", b""
for index, (_, rie) in enumerate(emulators):
    if index in stopped:
        more_out, more_err = stopped[index]
    else:
        rie.terminate()
        try:
            more_out, more_err = rie.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            rie.kill()
            more_out, more_err = rie.communicate()
    out, err = out + (more_out or b""), err + (more_err or b"")
print(json.dumps({"answers": answers, "rie": out.decode(errors="replace").splitlines(),
                  "log": err.decode(errors="replace").splitlines(),
                  "startup_ms": round((ready - started) * 1000, 2)}))
