#!/usr/bin/env python3
"""Loopback HTTP and HTTPS test peer for Vigil's tests.

Prints one line `READY http=PORT https=PORT expired=PORT ca=PATH` once the listeners are up (`expired`
serves a certificate from the same CA that expired in 2020), then serves until its
standard input closes (so a test run that dies never leaves it behind). Binds 127.0.0.1 only.

Endpoints: /ok, /status/<code>, /json, /badjson, /slow?ms=N, /redirect?to=PATH, /redirect-loop,
/huge?kb=N, /headers (echo as JSON), POST /echo (echo body), /count (requests served so far).
"""
import http.server
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

served = 0
served_lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body=b"", content_type="text/plain", headers=None):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path.startswith("/echo"):
            self.reply(200, body, self.headers.get("Content-Type") or "application/octet-stream")
        else:
            self.do_GET()

    def do_GET(self):
        global served
        with served_lock:
            served += 1
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        path = url.path
        if path == "/ok" or path == "/":
            self.reply(200, b"ok")
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            self.reply(code, ("status %d" % code).encode())
        elif path == "/json":
            self.reply(200, json.dumps({"status": "UP", "checks": {"db": "UP"}}).encode(), "application/json")
        elif path == "/badjson":
            self.reply(200, b"{not json", "application/json")
        elif path == "/slow":
            time.sleep(int(query.get("ms", ["1000"])[0]) / 1000)
            self.reply(200, b"slow ok")
        elif path == "/redirect":
            self.reply(302, b"", headers={"Location": query.get("to", ["/ok"])[0]})
        elif path == "/redirect-loop":
            self.reply(302, b"", headers={"Location": "/redirect-loop"})
        elif path == "/huge":
            kb = int(query.get("kb", ["4096"])[0])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(kb * 1024))
            self.end_headers()
            chunk = b"x" * 1024
            try:
                for _ in range(kb):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/headers":
            self.reply(200, json.dumps({k.lower(): v for k, v in self.headers.items()}).encode(), "application/json")
        elif path == "/count":
            self.reply(200, str(served).encode())
        else:
            self.reply(404, b"not found")


def make_certificates(folder):
    """A CA and a server certificate for 127.0.0.1/localhost signed by it, made with the openssl CLI."""
    ca_key, ca_cert = os.path.join(folder, "ca.key"), os.path.join(folder, "ca.pem")
    key, csr, cert = os.path.join(folder, "server.key"), os.path.join(folder, "server.csr"), os.path.join(folder, "server.pem")
    ext = os.path.join(folder, "ext.cnf")
    with open(ext, "w") as handle:
        handle.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_cert,
                    "-days", "2", "-subj", "/CN=Vigil Test CA"], **quiet)
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                    "-subj", "/CN=127.0.0.1"], **quiet)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
                    "-out", cert, "-days", "2", "-extfile", ext], **quiet)
    # A certificate that expired in 2020, signed by the same CA (`openssl ca` accepts explicit dates).
    expired_key, expired_csr, expired_cert = (os.path.join(folder, n) for n in ("expired.key", "expired.csr", "expired.pem"))
    open(os.path.join(folder, "index.txt"), "w").close()
    with open(os.path.join(folder, "serial"), "w") as handle:
        handle.write("1000\n")
    with open(os.path.join(folder, "ca.cnf"), "w") as handle:
        handle.write(f"""[ ca ]
default_ca = local
[ local ]
database = {folder}/index.txt
new_certs_dir = {folder}
serial = {folder}/serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
""")
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", expired_key, "-out", expired_csr,
                    "-subj", "/CN=127.0.0.1"], **quiet)
    subprocess.run(["openssl", "ca", "-batch", "-config", os.path.join(folder, "ca.cnf"), "-cert", ca_cert, "-keyfile", ca_key,
                    "-in", expired_csr, "-out", expired_cert, "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
                    "-extfile", ext], **quiet)
    return ca_cert, cert, key, expired_cert, expired_key


def main():
    folder = tempfile.mkdtemp(prefix="vigil-http-peer-")
    ca_cert, cert, key, expired_cert, expired_key = make_certificates(folder)
    plain = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    secure = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    expired = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    for server, (chain, private) in ((secure, (cert, key)), (expired, (expired_cert, expired_key))):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain, private)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    for server in (plain, secure, expired):
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("READY http=%d https=%d expired=%d ca=%s" % (plain.server_address[1], secure.server_address[1],
                                                       expired.server_address[1], ca_cert), flush=True)
    sys.stdin.read()  # until the test closes our stdin or dies
    os._exit(0)


if __name__ == "__main__":
    main()
