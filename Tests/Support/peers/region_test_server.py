#!/usr/bin/env python3
"""Loopback stand-ins for region-latency's remote providers. Binds 127.0.0.1 only; prints
`READY port=PORT` and serves until standard input closes.

Globalping API (/v1/measurements), answering as the API documents:
  POST  -> 202 {"id", "probesCount"}; 400 validation_error for a bad body; 429 rate_limit_exceeded with
           X-RateLimit-* headers when the target host contains "ratelimited".
  GET /v1/measurements/<id> -> "in-progress" on the first poll, "finished" after; 404 for unknown ids.
  Locations: "Offline" gives an offline probe, "Slowland" a 2.5 s total, others fixed figures.
Form-scrape speed-test service (POST /speedtest with form fields url, node):
  node "slow" sleeps 3 s, "broken" answers an HTML maintenance page, "error" answers 503, others a JSON
  page like 17ce/boce's ({"data": {"alltime": "0.215", "dnstime": ...}}) in seconds.
  GET /speedtest/last -> the last form received, as JSON.
"""
import http.server
import json

import peer_common
import os
import sys
import threading
import time
import urllib.parse
import uuid

measurements = {}
last_form = {}
lock = threading.Lock()

PROBES = {
    "Germany": ({"continent": "EU", "region": "Western Europe", "country": "DE", "city": "Frankfurt", "asn": 3320, "network": "Deutsche Telekom AG"},
                {"total": 120, "dns": 10, "tcp": 20, "tls": 30, "firstByte": 50, "download": 10}),
    "Japan": ({"continent": "AS", "region": "Eastern Asia", "country": "JP", "city": "Tokyo", "asn": 2516, "network": "KDDI"},
              {"total": 340, "dns": 15, "tcp": 80, "tls": 90, "firstByte": 140, "download": 15}),
    "Slowland": ({"continent": "SA", "region": "South America", "country": "BR", "city": "Sao Paulo", "asn": 28573, "network": "Claro"},
                 {"total": 2500, "dns": 300, "tcp": 400, "tls": 600, "firstByte": 1000, "download": 200}),
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, payload, content_type="application/json", headers=None):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_POST(self):
        path = urllib.parse.urlparse(self.path).path
        if path == "/v1/measurements":
            self.create_measurement()
        elif path == "/speedtest":
            self.speedtest()
        else:
            self.reply(404, {"error": {"type": "not_found", "message": "Not found."}})

    def do_GET(self):
        path = urllib.parse.urlparse(self.path).path
        if path.startswith("/v1/measurements/"):
            self.get_measurement(path.rsplit("/", 1)[1])
        elif path == "/speedtest/last":
            with lock:
                self.reply(200, last_form)
        else:
            self.reply(404, {"error": {"type": "not_found", "message": "Not found."}})

    def create_measurement(self):
        try:
            request = json.loads(self.body())
        except ValueError:
            self.reply(400, {"error": {"type": "invalid_json", "message": "Invalid JSON."}})
            return
        locations = request.get("locations")
        if request.get("type") != "http" or not request.get("target") or not isinstance(locations, list) or not locations:
            self.reply(400, {"error": {"type": "validation_error", "message": "Parameter validation failed.",
                                       "params": {"locations": "\"locations\" must contain at least 1 items"}}})
            return
        if "ratelimited" in request["target"]:
            self.reply(429, {"error": {"type": "rate_limit_exceeded",
                                       "message": "You have run out of credits for this session. You can wait or sign in to get more."}},
                       headers={"X-RateLimit-Limit": "250", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1342"})
            return
        probes = []
        for location in locations:
            for _ in range(int(location.get("limit", 1))):
                probes.append(location.get("magic", ""))
        identifier = uuid.uuid4().hex[:16]
        with lock:
            measurements[identifier] = {"request": request, "probes": probes, "polls": 0}
        self.reply(202, {"id": identifier, "probesCount": len(probes)},
                   headers={"Location": "/v1/measurements/" + identifier})

    def get_measurement(self, identifier):
        with lock:
            measurement = measurements.get(identifier)
            if measurement:
                measurement["polls"] += 1
        if not measurement:
            self.reply(404, {"error": {"type": "not_found", "message": "Couldn't find the requested measurement."}})
            return
        finished = measurement["polls"] >= 2
        results = []
        for magic in measurement["probes"]:
            if magic == "Offline":
                results.append({"probe": {"continent": "AF", "region": "Northern Africa", "country": "EG", "city": "Cairo", "asn": 8452, "network": "TE Data"},
                                "result": {"status": "offline", "rawOutput": "This probe is currently offline. Please try again later."}})
                continue
            probe, timings = PROBES.get(magic, PROBES["Germany"])
            if finished:
                result = {"status": "finished", "statusCode": 200, "statusCodeName": "OK", "timings": timings,
                          "rawOutput": "HTTP/1.1 200\n", "resolvedAddress": "127.0.0.1"}
            else:
                result = {"status": "in-progress", "rawOutput": ""}
            results.append({"probe": probe, "result": result})
        self.reply(200, {"id": identifier, "type": "http", "status": "finished" if finished else "in-progress",
                         "target": measurement["request"]["target"], "probesCount": len(results), "results": results})

    def speedtest(self):
        form = {k: v[0] for k, v in urllib.parse.parse_qs(self.body().decode()).items()}
        with lock:
            last_form.clear()
            last_form.update(form)
        node = form.get("node", "")
        if node == "slow":
            time.sleep(3)
        if node == "broken":
            self.reply(200, b"<html><body>System maintenance, please come back later</body></html>", "text/html")
        elif node == "error":
            self.reply(503, b"Service Unavailable", "text/plain")
        else:
            seconds = {"1": "0.215", "2": "1.800"}.get(node, "0.300")
            self.reply(200, {"code": 0, "data": {"NodeName": node, "alltime": seconds, "dnstime": "0.012",
                                                 "conntime": "0.034", "downtime": "0.150", "httpcode": 200}})


if __name__ == "__main__":
    peer_common.serve(Handler)
