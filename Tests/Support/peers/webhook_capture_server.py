#!/usr/bin/env python3
"""Loopback webhook receiver for alerting tests. Binds 127.0.0.1 only; prints `READY port=PORT` and serves
until standard input closes.

POST /hook/<scenario>/<anything>: ok -> 200; fail-once -> 503 on the first request to that path, then 200;
always-503 -> 503; 429 -> 429 with Retry-After: 7; 400 -> 400 (a permanent refusal). A request whose
X-Vigil-Signature-256 does not verify gets 401, whatever the scenario.
Every request is recorded with its headers, body, the status answered, and whether its
X-Vigil-Signature-256 matches HMAC-SHA256 over the body with the secret "whsec-test-secret" (checked here,
independently of Vigil's own code). GET /requests lists them; DELETE /requests clears them.
"""
import hashlib
import hmac
import http.server
import json

import peer_common
import os
import sys
import threading

SECRET = b"whsec-test-secret"
requests = []
attempts = {}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, payload, headers=None):
        body = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/requests":
            with lock:
                self.reply(200, requests)
        else:
            self.reply(404, {"error": "not found"})

    def do_DELETE(self):
        with lock:
            requests.clear()
            attempts.clear()
        self.reply(200, {"ok": True})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = self.path.split("/")
        scenario = parts[2] if len(parts) > 2 else "ok"
        with lock:
            attempts[self.path] = attempts.get(self.path, 0) + 1
            attempt = attempts[self.path]
        if scenario == "ok" or (scenario == "fail-once" and attempt > 1):
            code, payload, headers = 200, {"ok": True}, None
        elif scenario in ("fail-once", "always-503"):
            code, payload, headers = 503, {"error": "temporarily unavailable"}, None
        elif scenario == "429":
            code, payload, headers = 429, {"error": "rate limited"}, {"Retry-After": "7"}
        else:
            code, payload, headers = 400, {"error": "bad payload"}, None
        signature = self.headers.get("X-Vigil-Signature-256")
        expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        if signature is not None and not hmac.compare_digest(signature, expected):
            # A receiver with a secret refuses what it cannot verify (unsigned requests are for receivers
            # configured without one).
            code, payload, headers = 401, {"error": "invalid signature"}, None
        with lock:
            requests.append({"path": self.path, "status": code, "attempt": attempt,
                             "headers": {k.lower(): v for k, v in self.headers.items()},
                             "body": body.decode("utf-8", "replace"),
                             "signature_valid": None if signature is None else hmac.compare_digest(signature, expected)})
        self.reply(code, payload, headers)


if __name__ == "__main__":
    peer_common.serve(Handler)
