# -*- coding: utf8 -*-
# A website check in the style of the SCF articles Vigil grew from: a Python 3 function whose entry point is
# main_handler(event, context), using only urllib. Run under Vigil by the exec handler (protocol: json) through
# scf_adapter.py, it keeps its shape; Vigil adds the schedule, the alert policy, the outbox and the channels.
# It answers {"up": ..., "summary": ..., "figures": {...}}: what Vigil alerts on.
import os
import time
import urllib.error
import urllib.request


def main_handler(event, context):
    url = os.environ.get("URL", "http://127.0.0.1:8080/")
    timeout = float(os.environ.get("TIMEOUT", "5"))
    started = time.time()
    try:
        response = urllib.request.urlopen(url, timeout=timeout)
        status = response.getcode()
        response.read(64 * 1024)
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return {"up": False, "summary": "%s unreachable: %s" % (url, reason)}
    latency = int((time.time() - started) * 1000)
    up = status == 200
    return {
        "up": up,
        "summary": "%s answered %d in %d ms" % (url, status, latency),
        "figures": {"status": status, "latencyMs": latency},
    }
