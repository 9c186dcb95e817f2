#!/usr/bin/env python3
"""Debian's redis-server on a free 127.0.0.1 port, with an ACL user and password and the default user off, no
persistence; prints `READY port=PORT user=vigil password=PASSWORD` once it answers PING, and stops the server when
standard input closes.

With `--port PORT --dir DIR` it listens on that port and keeps its data in DIR (append-only file, fsync on every
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
os.makedirs(folder, exist_ok=True)
config = os.path.join(folder, "redis.conf")
with open(config, "w") as handle:
    handle.write("port %d\nbind 127.0.0.1\nprotected-mode yes\nsave \"\"\ndir %s\n" % (port, folder))
    handle.write("appendonly yes\nappendfsync always\n" if persistent else "appendonly no\n")
    handle.write("user default off\nuser vigil on >%s ~* &* +@all\n" % PASSWORD)
server = subprocess.Popen(["redis-server", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          stdin=subprocess.DEVNULL)


def stop():
    peer_common.stop_child_and_exit(server)


deadline = time.time() + 20
while True:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.5) as connection:
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
print("READY port=%d user=vigil password=%s" % (port, PASSWORD), flush=True)
sys.stdin.read()
stop()
