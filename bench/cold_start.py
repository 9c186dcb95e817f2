#!/usr/bin/env python3
"""Cold start of a trivial function, Vigil against the equivalent Python handler, in the same run.

usage: cold_start.py VIGIL_TREE RUNS [CUSTOM_BINARY]
1. Through AWS's Runtime Interface Emulator: a fresh emulator per run; the time from the first invocation request
   to its answer (RIE starts the bootstrap on the first invoke, so this is exec → init → first response), and the
   emulator's own "Init Duration" (which it measures near zero locally: it counts only until the runtime's first
   /next, and the bootstrap is exec'd lazily). Vigil: the tree's bootstrap (`vigil runtime`), function `hello` (echo).
   Python: bench/cold-start-python/bootstrap.py (a stdlib runtime loop) calling main_handler.
2. A local invoke as a process: `vigil invoke hello --event …` against `python3 invoke.py …`: wall time and
   peak RSS (from /usr/bin/time).
With CUSTOM_BINARY (an operator's binary built on the Vigil library, Examples/custom-check), the same function
runs through it too, both ways. Prints medians and ratios as JSON.
"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

tree, runs = os.path.abspath(sys.argv[1]), int(sys.argv[2])
custom = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
rie_binary = os.path.join(root, ".peers/rie/aws-lambda-rie")
work = tempfile.mkdtemp(prefix="vigil-cold-")
open(os.path.join(work, "serverless.yml"), "w").write("service: cold\nfunctions:\n  hello:\n    handler: echo\n")
event = {"Type": "Timer", "TriggerName": "t", "Time": "2026-11-23T00:00:00Z", "Message": ""}
event_path = os.path.join(work, "event.json")
json.dump(event, open(event_path, "w"))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def through_rie(bootstrap, env):
    port, api = free_port(), free_port()
    rie = subprocess.Popen([rie_binary, "--runtime-interface-emulator-address", "127.0.0.1:%d" % port,
                            "--runtime-api-address", "127.0.0.1:%d" % api] + bootstrap, cwd=work,
                           env=dict(os.environ, **env), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), 0.05).close()
            break
        except OSError:
            time.sleep(0.005)
    request = urllib.request.Request("http://127.0.0.1:%d/2015-03-31/functions/function/invocations" % port,
                                     data=json.dumps(event).encode(), method="POST")
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    first = (time.perf_counter() - started) * 1000
    rie.terminate()
    out = rie.communicate(timeout=10)[0].decode(errors="replace")
    init = re.search(r"Init Duration: ([0-9.]+) ms", out)
    assert b"timer" in body, body
    return first, float(init.group(1)) if init else None


def as_process(command):
    # Peak RSS from /usr/bin/time (a small parent): a child's ru_maxrss as seen by this Python process would
    # carry over the parent's own high-water mark across fork and exec.
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, cwd=work, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=dict(os.environ, VIGIL_STATE_DIR=os.path.join(work, "state")))
    elapsed = (time.perf_counter() - started) * 1000
    assert done.returncode == 0, (command, done.stderr[-500:])
    return elapsed, int(done.stderr.decode().strip().splitlines()[-1]) / 1024


vigil_env = {"AWS_LAMBDA_FUNCTION_NAME": "hello", "VIGIL_CONFIG": os.path.join(work, "serverless.yml"),
             "VIGIL_STATE_DIR": os.path.join(work, "state")}
results = {}
rie_runs = [
    ("vigil", [os.path.join(tree, "vigil"), "runtime"], vigil_env),
    ("python", [sys.executable, os.path.join(here, "cold-start-python", "bootstrap.py")], {}),
]
local_runs = [
    ("vigil", [os.path.join(tree, "vigil"), "invoke", "hello", "--event", event_path]),
    ("python", [sys.executable, os.path.join(here, "cold-start-python", "invoke.py"), event_path]),
]
if custom:
    rie_runs.append(("custom", [custom, "runtime"], vigil_env))
    local_runs.append(("custom", [custom, "invoke", "hello", "--event", event_path]))
for name, bootstrap, env in rie_runs:
    samples = [through_rie(bootstrap, env) for _ in range(runs)]
    results[name + "_rie_first_ms"] = statistics.median(s[0] for s in samples)
    inits = [s[1] for s in samples if s[1] is not None]
    results[name + "_rie_init_ms"] = statistics.median(inits) if inits else None
for name, command in local_runs:
    samples = [as_process(command) for _ in range(runs)]
    results[name + "_invoke_ms"] = statistics.median(s[0] for s in samples)
    results[name + "_invoke_peak_mb"] = max(s[1] for s in samples)
print(json.dumps(results))
