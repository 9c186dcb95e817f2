#!/usr/bin/env python3
"""Runs `vigil serve` as a real process, loads it with heartbeats from a second process, and checks the end.

usage: serve_load.py VIGIL PROJECT_DIR STATE_DIR TOKEN HOSTS PER_HOST [--abuse]
Starts `VIGIL serve --port 0 --head-timeout 1` in PROJECT_DIR, reads the address from its log, runs
peers/heartbeat_load.py against it, counts the reports recorded in STATE_DIR (heartbeats/hosts/*/last.json),
stops the server with SIGTERM and prints one JSON line: the load figures, `recorded`, `exit` and `stopped`.
"""
import glob
import json
import os
import signal
import subprocess
import sys
import time

vigil, project, state, token, hosts, per_host = sys.argv[1:7]
here = os.path.dirname(os.path.abspath(__file__))
log_path = os.path.join(state, "serve.log")
os.makedirs(state, exist_ok=True)
log = open(log_path, "w")
server = subprocess.Popen([vigil, "serve", "--port", "0", "--head-timeout", "1", "--state-dir", state],
                          cwd=project, stdout=subprocess.DEVNULL, stderr=log)
address = None
for _ in range(200):
    for line in open(log_path):
        record = json.loads(line) if line.startswith("{") else {}
        if record.get("msg") == "listening":
            address = record["address"]
    if address or server.poll() is not None:
        break
    time.sleep(0.05)
if not address:
    server.kill()
    print(json.dumps({"error": "vigil serve did not start", "log": open(log_path).read()[-2000:]}))
    sys.exit(1)
load = subprocess.run([sys.executable, os.path.join(os.path.dirname(here), "peers", "heartbeat_load.py"), address,
                       token, hosts, per_host] + (["--abuse"] if "--abuse" in sys.argv else []),
                      capture_output=True, text=True, timeout=600)
result = json.loads(load.stdout) if load.returncode == 0 else {"load_error": load.stderr[-2000:]}
result["recorded"] = sum(json.load(open(path))["reports"]
                         for path in glob.glob(os.path.join(state, "heartbeats", "hosts", "*", "last.json")))
result["hosts_recorded"] = len(glob.glob(os.path.join(state, "heartbeats", "hosts", "*", "last.json")))
try:
    status = open("/proc/%d/status" % server.pid).read()
    result["server_peak_rss_mb"] = round(int(status.split("VmHWM:")[1].split()[0]) / 1024, 1)
    fields = open("/proc/%d/stat" % server.pid).read().rsplit(")", 1)[1].split()
    result["server_cpu_s"] = round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)
except (OSError, IndexError, ValueError):
    pass
server.send_signal(signal.SIGTERM)
result["exit"] = server.wait(timeout=30)
result["stopped"] = any('"msg":"stopped"' in line for line in open(log_path))
result["address"] = address
print(json.dumps(result), flush=True)
