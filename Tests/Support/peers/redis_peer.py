#!/usr/bin/env python3
"""Debian's redis-server on a free 127.0.0.1 port, with an ACL user and password and the default user off, no
persistence; prints `READY port=PORT user=vigil password=PASSWORD` once it answers PING, and stops the server when
standard input closes.

With `--tls` it speaks only TLS, with a certificate for 127.0.0.1 signed by a CA it makes (openssl CLI), and adds
`ca=PATH` to the READY line. With `--port PORT --dir DIR` it listens on that port and keeps its data in DIR (append-only file, fsync on every
write), so a test can stop it and start it again on the same port with the same data (an outage)."""
import os
import socket
import subprocess
import sys
import tempfile
import time

import peer_common

PASSWORD = "redis-test-s3cret-Pass"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


arguments = sys.argv[1:]
persistent = "--dir" in arguments
port = int(arguments[arguments.index("--port") + 1]) if "--port" in arguments else free_port()
folder = arguments[arguments.index("--dir") + 1] if persistent else tempfile.mkdtemp(prefix="vigil-redis-")
tls = "--tls" in arguments
os.makedirs(folder, exist_ok=True)
if tls:
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
    ca_key, ca_cert = os.path.join(folder, "ca.key"), os.path.join(folder, "ca.pem")
    key, csr, cert = (os.path.join(folder, n) for n in ("server.key", "server.csr", "server.pem"))
    with open(os.path.join(folder, "ext.cnf"), "w") as handle:
        handle.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_cert,
                    "-days", "2", "-subj", "/CN=Vigil Redis Test CA"], **quiet)
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                    "-subj", "/CN=127.0.0.1"], **quiet)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
                    "-out", cert, "-days", "2", "-extfile", os.path.join(folder, "ext.cnf")], **quiet)
config = os.path.join(folder, "redis.conf")
with open(config, "w") as handle:
    if tls:
        handle.write("port 0\ntls-port %d\ntls-cert-file %s\ntls-key-file %s\ntls-ca-cert-file %s\n"
                     "tls-auth-clients no\n" % (port, cert, key, ca_cert))
    else:
        handle.write("port %d\n" % port)
    handle.write("bind 127.0.0.1\nprotected-mode yes\nsave \"\"\ndir %s\n" % folder)
    handle.write("appendonly yes\nappendfsync always\n" if persistent else "appendonly no\n")
    handle.write("user default off\nuser vigil on >%s ~* &* +@all\n" % PASSWORD)
server = subprocess.Popen(["redis-server", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          stdin=subprocess.DEVNULL)


def stop():
    peer_common.stop_child_and_exit(server)


deadline = time.time() + 20
while True:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.5) as plain:
            connection = plain
            if tls:
                import ssl
                context = ssl.create_default_context(cafile=os.path.join(folder, "ca.pem"))
                connection = context.wrap_socket(plain, server_hostname="127.0.0.1")
            connection.sendall(b"*3\r\n$4\r\nAUTH\r\n$5\r\nvigil\r\n$%d\r\n%s\r\n*1\r\n$4\r\nPING\r\n"
                               % (len(PASSWORD), PASSWORD.encode()))
            answer = b""
            while b"PONG" not in answer:
                chunk = connection.recv(100)
                if not chunk:
                    break
                answer += chunk
            if b"PONG" in answer:
                break
    except OSError:
        pass
    if time.time() > deadline or server.poll() is not None:
        print("FAILED redis-server did not answer on port %d" % port, flush=True)
        stop()
    time.sleep(0.05)
print("READY port=%d user=vigil password=%s%s" % (port, PASSWORD, " ca=" + os.path.join(folder, "ca.pem") if tls else ""),
      flush=True)
sys.stdin.read()
stop()
