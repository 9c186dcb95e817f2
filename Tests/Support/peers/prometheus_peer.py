#!/usr/bin/env python3
"""Debian's Prometheus server or Pushgateway on loopback, for the /metrics tests.

usage: prometheus_peer.py server TARGET METRICS_PATH DATA_DIR   (scrapes http://TARGET/METRICS_PATH every second)
       prometheus_peer.py pushgateway DATA_DIR
Picks a free 127.0.0.1 port, waits until the server answers /-/ready (at most 60 s), prints `READY port=PORT`,
and stops the server when the test closes our standard input.
"""
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from peer_common import stop_child_and_exit


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


kind = sys.argv[1]
port = free_port()
if kind == "server":
    target, path, data = sys.argv[2], sys.argv[3], sys.argv[4]
    os.makedirs(data, exist_ok=True)
    config = os.path.join(data, "prometheus.yml")
    with open(config, "w") as handle:
        handle.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                     "scrape_configs:\n  - job_name: vigil\n    metrics_path: %s\n"
                     "    static_configs:\n      - targets: ['%s']\n" % (path, target))
    command = ["prometheus", "--config.file=" + config, "--storage.tsdb.path=" + os.path.join(data, "tsdb"),
               "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"]
else:
    data = sys.argv[2]
    os.makedirs(data, exist_ok=True)
    command = ["prometheus-pushgateway", "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"]
child = subprocess.Popen(command, cwd=data, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
deadline = time.monotonic() + 60
while True:
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % port, timeout=2) as answer:
            if answer.status == 200:
                break
    except OSError:
        pass
    if child.poll() is not None or time.monotonic() > deadline:
        print("FAILED %s did not become ready" % command[0], flush=True)
        stop_child_and_exit(child)
    time.sleep(0.1)
print("READY port=%d" % port, flush=True)
threading.Thread(target=lambda: (sys.stdin.read(), stop_child_and_exit(child)), daemon=True).start()
child.wait()
os._exit(1)
