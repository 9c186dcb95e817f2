#!/usr/bin/env python3
"""Store requests and bytes of one function judged by quorum across three regions, measured on loopback: the
small end of docs/scale.md, reproduced.

usage: quorum_scale.py VIGIL RUNS TARGETS...
For each target count: a website-status function whose config.yml has quorum: over ap-guangzhou, ap-shanghai
and ap-beijing and that many targets (all up, on a loopback HTTP server in this process), on moto's S3 server
(signatures checked; requests counted by kind). Each round runs the function once per region (`vigil invoke
--region`); after one warm-up round, RUNS rounds are measured. Prints JSON: per target count, the requests per
region-run by kind (GET, PUT, LIST, DELETE), the bytes of one region's report and of the alert ledger, and the
wall time per run.
"""
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

vigil, runs, counts = sys.argv[1], int(sys.argv[2]), [int(n) for n in sys.argv[3:]]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
regions = ["ap-guangzhou", "ap-shanghai", "ap-beijing"]


class Up(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Up)
threading.Thread(target=server.serve_forever, daemon=True).start()
target_base = "http://127.0.0.1:%d" % server.server_address[1]

peer = subprocess.Popen([os.path.join(root, ".peers/venv/bin/python"), os.path.join(root, "Tests/Support/peers/s3_peer.py")],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
ready = peer.stdout.readline().split()
values = dict(word.split("=", 1) for word in ready[1:])
port = int(values["port"])


def kinds():
    with urllib.request.urlopen("http://127.0.0.1:%d/__peer/requests-by-kind" % port, timeout=10) as response:
        return json.loads(response.read())


def object_size(key):
    # The S3 peer is the store; read the object's size back through a signed request? Simpler: the folder copy.
    return os.path.getsize(key) if os.path.exists(key) else None


results = {}
try:
    for count in counts:
        work = tempfile.mkdtemp(prefix="vigil-quorum-scale-")
        os.makedirs(os.path.join(work, "functions/web"))
        with open(os.path.join(work, "serverless.yml"), "w") as f:
            f.write("service: scale\nfunctions:\n  web:\n    handler: website-status\n    timeout: 120\n")
        with open(os.path.join(work, "functions/web/config.yml"), "w") as f:
            f.write("concurrency: 32\nquorum: {regions: [%s], down: 2, window: 5m}\ntargets:\n" % ", ".join(regions))
            for index in range(count):
                f.write("  - {name: t%05d, url: '%s/t%d'}\n" % (index, target_base, index))
        url = "s3://%s/scale-%d-%d?endpoint=http://127.0.0.1:%d" % (values["bucket"], count, os.getpid(), port)
        environment = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "VIGIL_"))}
        environment.update(VIGIL_STATE=url, AWS_ACCESS_KEY_ID=values["key"], AWS_SECRET_ACCESS_KEY=values["secret"],
                           VIGIL_LOG_LEVEL="error")

        def run(region, state=None):
            env = dict(environment, **({"VIGIL_STATE": state} if state else {}))
            began = time.perf_counter()
            done = subprocess.run([vigil, "invoke", "web", "--region", region], cwd=work, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            assert done.returncode == 0, done.stderr.decode()[-800:]
            return time.perf_counter() - began

        for region in regions:  # warm-up round: first reports and ledger
            run(region)
        per_run, seconds = [], []
        for _ in range(runs):
            for region in regions:
                before = kinds()
                seconds.append(run(region))
                after = kinds()
                per_run.append({kind: after.get(kind, 0) - before.get(kind, 0) for kind in set(after) | set(before)})
        all_kinds = sorted({kind for sample in per_run for kind in sample})
        # Sizes: the same runs once on a folder store, whose files are the records byte for byte.
        folder = tempfile.mkdtemp(prefix="vigil-quorum-scale-folder-")
        for region in regions:
            run(region, state=folder)
        results[count] = {
            "requests_per_region_run": {kind: statistics.median(sample.get(kind, 0) for sample in per_run)
                                        for kind in all_kinds},
            "max_requests_per_region_run": max(sum(sample.values()) for sample in per_run),
            "report_bytes": object_size(os.path.join(folder, "regions/web/ap-beijing.json")),
            "ledger_bytes": object_size(os.path.join(folder, "alerts/web.json")),
            "seconds_per_run": statistics.median(seconds),
        }
finally:
    peer.stdin.close()
    peer.wait(timeout=10)
    server.shutdown()
print(json.dumps(results))
