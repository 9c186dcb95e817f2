#!/usr/bin/env python3
"""Runs the Tansu Kafka-compatible broker (.peers/kafka/tansu, in-memory storage) on a free 127.0.0.1 port.
Prints `READY bootstrap=127.0.0.1:PORT` once the port accepts connections; stops the broker when standard
input closes, or on SIGTERM.

With `--gate`, Tansu listens on an internal port and advertises the gate's: clients reach it only through
kafka_sasl_gate.py, with TLS (a CA made here) and SASL (user `vigil`, password `s3cret-Pass`). The READY line
then adds `ca=PATH user=… password=…`.
"""
import asyncio
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_common  # noqa: E402 (after the path is set)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


gated = "--gate" in sys.argv
port = free_port()
broker_port = free_port() if gated else port
broker = subprocess.Popen([os.path.join(root, ".peers/kafka/tansu"), "broker",
                           "--listener-url", "tcp://127.0.0.1:%d" % broker_port,
                           "--advertised-listener-url", "tcp://127.0.0.1:%d" % port,
                           "--storage-engine", "memory://tansu/"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(*_):
    peer_common.stop_child_and_exit(broker)


signal.signal(signal.SIGTERM, stop)
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", broker_port), 0.2).close()
        break
    except OSError:
        time.sleep(0.05)
else:
    print("FAILED broker did not open its port", flush=True)
    stop()
extra = ""
if gated:
    from http_test_server import make_certificates
    from kafka_sasl_gate import serve_gate
    folder = tempfile.mkdtemp(prefix="vigil-kafka-gate-")
    ca_cert, cert, key = make_certificates(folder)[:3]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    loop = asyncio.new_event_loop()
    users = {"vigil": "s3cret-Pass"}
    started = threading.Event()

    def run_gate():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(serve_gate(port, ("127.0.0.1", broker_port), users, context))
        started.set()
        loop.run_forever()

    threading.Thread(target=run_gate, daemon=True).start()
    started.wait(10)
    extra = " ca=%s user=vigil password=s3cret-Pass" % ca_cert
print("READY bootstrap=127.0.0.1:%d pid=%d%s" % (port, broker.pid, extra), flush=True)
sys.stdin.read()
stop()
