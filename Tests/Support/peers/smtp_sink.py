#!/usr/bin/env python3
"""A real SMTP server on 127.0.0.1 for Vigil's SMTP channel tests (aiosmtpd, in .peers/venv).

Two listeners: `starttls` (STARTTLS required before MAIL; AUTH only after TLS) and `tls` (implicit TLS).
Every accepted message is written to --maildir as NNNNNN.eml (the exact DATA bytes) and NNNNNN.json
(envelope: mail_from, rcpt_tos, tls, auth user, listener). Options: --auth USER:PASS (required), and
--tempfail-first N (the first N DATA commands get `451 4.3.0`). Prints `READY starttls=P tls=P cert=PATH`
and serves until standard input closes.
"""
import argparse
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

lock = threading.Lock()
state = {"count": 0, "tempfails": 0}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_certificate(folder):
    key, cert = os.path.join(folder, "key.pem"), os.path.join(folder, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-addext", "basicConstraints=critical,CA:TRUE"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return cert, key


class Recorder:
    def __init__(self, maildir, listener, tempfail_first):
        self.maildir, self.listener, self.tempfail_first = maildir, listener, tempfail_first

    async def handle_DATA(self, server, session, envelope):
        with lock:
            if state["tempfails"] < self.tempfail_first:
                state["tempfails"] += 1
                return "451 4.3.0 Temporary failure, try again later"
            state["count"] += 1
            number = state["count"]
        base = os.path.join(self.maildir, "%06d" % number)
        data = envelope.original_content or envelope.content
        auth = session.auth_data
        facts = {"listener": self.listener, "tls": session.ssl is not None or self.listener == "tls",
                 "mail_from": envelope.mail_from,
                 "rcpt_tos": envelope.rcpt_tos,
                 "auth": auth.login.decode() if isinstance(auth, LoginPassword) else None}
        for suffix, payload in ((".eml", data), (".json", json.dumps(facts).encode())):
            with open(base + suffix + ".part", "wb") as handle:
                handle.write(payload)
            os.rename(base + suffix + ".part", base + suffix)
        return "250 2.0.0 OK queued"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--auth", required=True)
    parser.add_argument("--tempfail-first", type=int, default=0)
    args = parser.parse_args()
    user, password = args.auth.split(":", 1)
    os.makedirs(args.maildir, exist_ok=True)
    cert, key = make_certificate(tempfile.mkdtemp(prefix="vigil-smtp-"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    common = dict(hostname="127.0.0.1", authenticator=authenticator, auth_required=True)
    starttls = Controller(Recorder(args.maildir, "starttls", args.tempfail_first), port=free_port(),
                          tls_context=context, require_starttls=True, auth_require_tls=True, **common)
    # Implicit TLS: the connection is TLS from the first byte (aiosmtpd's auth_require_tls only knows STARTTLS).
    implicit = Controller(Recorder(args.maildir, "tls", args.tempfail_first), port=free_port(),
                          ssl_context=context, auth_require_tls=False, **common)
    starttls.start()
    implicit.start()
    print("READY starttls=%d tls=%d cert=%s" % (starttls.port, implicit.port, cert), flush=True)
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
