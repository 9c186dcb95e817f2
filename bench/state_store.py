#!/usr/bin/env python3
"""The per-invocation cost of each state store, measured on loopback against the folder store in the same run.
Run by bench/state-store (which builds vigil and starts nginx); needs .peers/venv (moto) and redis-server.

For each store - folder, Redis (Debian's redis-server, ACL password), S3 (moto's server, signatures checked) and
COS (the same server answering as COS: no conditional PUT, so Vigil keeps create-only versions) - a fresh part
of the store, one `vigil invoke web` that fires (9 targets up, 1 answering 503: one incident, one console
notice), then RUNS steady invocations (the incident stays open, nothing to send). Printed per store: requests
to the store (Redis: commands processed; S3: requests served) for the firing run and per steady run, the
median and p99 wall time of a steady run, and what the store adds to the folder's median and p99. Then the
1000-target website-status invocation (all up, steady) with each store, medians of RUNS_1000 runs, and the
S3 / folder ratio (goal <= 1.2x).

usage: state_store.py VIGIL NGINX_PORT"""
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

vigil, nginx_port = sys.argv[1], int(sys.argv[2])
runs = int(os.environ.get("RUNS", "40"))
runs_1000 = int(os.environ.get("RUNS_1000", "5"))
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
peers = os.path.join(root, "Tests", "Support", "peers")
python = os.path.join(root, ".peers", "venv", "bin", "python")


def start_peer(arguments):
    """Starts a test peer; returns (process, values of its READY line)."""
    process = subprocess.Popen([python] + arguments, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    deadline = time.time() + 90
    while time.time() < deadline:
        line = process.stdout.readline()
        if line.startswith("READY"):
            return process, dict(part.split("=", 1) for part in line.split()[1:])
        if not line and process.poll() is not None:
            break
    raise SystemExit("peer %s did not start" % arguments)


def redis_commands(port, password):
    """Commands the server has processed (INFO stats), less the AUTH and INFO of this question."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        def command(*words):
            connection.sendall(("*%d\r\n" % len(words) + "".join(
                "$%d\r\n%s\r\n" % (len(word), word) for word in words)).encode())
        command("AUTH", "vigil", password)
        command("INFO", "stats")
        data = b""
        while b"total_commands_processed" not in data or not data.endswith(b"\r\n\r\n"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            data += chunk
    for line in data.decode().splitlines():
        if line.startswith("total_commands_processed:"):
            return int(line.split(":")[1]) - 2
    raise SystemExit("no total_commands_processed in INFO stats")


def s3_requests(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/__peer/requests" % port, timeout=10) as response:
        return int(response.read())


def project(targets):
    folder = tempfile.mkdtemp(prefix="vigil-bench-state-")
    os.makedirs(os.path.join(folder, "functions", "web"))
    with open(os.path.join(folder, "serverless.yml"), "w") as file:
        file.write("custom:\n  vigil:\n    alerting:\n      channels: [console]\n"
                   "functions:\n  web:\n    handler: website-status\n    timeout: 60\n")
    with open(os.path.join(folder, "functions", "web", "config.yml"), "w") as file:
        file.write("concurrency: 64\ntargets:\n" + "".join(
            "  - {name: t%d, url: '%s', timeout: 5s}\n" % (index, url) for index, url in enumerate(targets)))
    return folder


def invoke(folder, environment, expect_failing):
    started = time.perf_counter()
    done = subprocess.run([vigil, "invoke", "web"], cwd=folder, env=environment, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit("vigil invoke failed (%d): %s" % (done.returncode, done.stderr[-2000:]))
    result = json.loads(done.stdout)
    if result.get("down", 0) != expect_failing:
        raise SystemExit("expected %d down, got %s" % (expect_failing, done.stdout[:500]))
    return elapsed, done.stderr


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


redis, redis_values = start_peer([os.path.join(peers, "redis_peer.py")])
s3, s3_values = start_peer([os.path.join(peers, "s3_peer.py")])
cos, cos_values = start_peer([os.path.join(peers, "s3_peer.py"), "--cos"])
base_environment = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "VIGIL_"))}


def store(name, tag):
    """(environment, request counter) for a fresh part of store `name`."""
    if name == "folder":
        return dict(base_environment, VIGIL_STATE=tempfile.mkdtemp(prefix="vigil-bench-folder-")), lambda: 0
    if name == "redis":
        port, password = int(redis_values["port"]), redis_values["password"]
        url = "redis://vigil:%s@127.0.0.1:%d/0?prefix=bench-%s:" % (password, port, tag)
        return dict(base_environment, VIGIL_STATE=url), lambda: redis_commands(port, password)
    values = s3_values if name == "s3" else cos_values
    port = int(values["port"])
    url = "s3://%s/bench-%s?endpoint=http://127.0.0.1:%d%s" % (
        values["bucket"], tag, port, "&writes=create-only" if name == "cos" else "")
    environment = dict(base_environment, VIGIL_STATE=url, AWS_ACCESS_KEY_ID=values["key"],
                       AWS_SECRET_ACCESS_KEY=values["secret"])
    return environment, lambda: s3_requests(port)


stores = ["folder", "redis", "s3", "cos"]
try:
    ok = "http://127.0.0.1:%d/ok" % nginx_port
    small = project(["%s?i=%d" % (ok, index) for index in range(9)] + ["http://127.0.0.1:%d/down" % nginx_port])
    rows = {}
    for name in stores:
        environment, counter = store(name, "small-%s-%d" % (name, time.time_ns()))
        before = counter()
        _, log = invoke(small, environment, 1)
        if "FIRING" not in log and "firing" not in log:
            raise SystemExit("%s: the first run did not fire: %s" % (name, log[-1000:]))
        fired = counter() - before
        before = counter()
        times = [invoke(small, environment, 1)[0] for _ in range(runs)]
        steady = (counter() - before) / runs
        rows[name] = (fired, steady, statistics.median(times), percentile(times, 0.99))
    folder = rows["folder"]
    print("10 targets (9 up, 1 down), %d steady runs per store after one that fires" % runs)
    print("%-8s %14s %14s %10s %10s %12s %12s" % (
        "store", "requests:fire", "requests:run", "p50 ms", "p99 ms", "+p50 ms", "+p99 ms"))
    for name in stores:
        fired, steady, p50, p99 = rows[name]
        print("%-8s %14s %14s %10.1f %10.1f %12.1f %12.1f" % (
            name, "-" if name == "folder" else fired, "-" if name == "folder" else "%.1f" % steady,
            p50 * 1000, p99 * 1000,
            (p50 - folder[2]) * 1000, (p99 - folder[3]) * 1000))

    large = project(["%s?i=%d" % (ok, index) for index in range(1000)])
    medians = {}
    for name in stores:
        environment, counter = store(name, "large-%s-%d" % (name, time.time_ns()))
        invoke(large, environment, 0)  # the first run writes the ledger
        before = counter()
        times = [invoke(large, environment, 0)[0] for _ in range(runs_1000)]
        medians[name] = (statistics.median(times), (counter() - before) / runs_1000)
    print()
    print("1000 targets, all up, median of %d steady runs" % runs_1000)
    for name in stores:
        seconds, requests = medians[name]
        print("%-8s %8.3f s  %6s requests/run  %.2fx folder" % (
            name, seconds, "-" if name == "folder" else "%.1f" % requests, seconds / medians["folder"][0]))
    print("s3 / folder: %.2fx (goal <= 1.2x)" % (medians["s3"][0] / medians["folder"][0]))
finally:
    for process in (redis, s3, cos):
        process.stdin.close()
        process.wait(timeout=30)
