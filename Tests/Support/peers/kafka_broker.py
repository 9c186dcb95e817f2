#!/usr/bin/env python3
"""Runs the Tansu Kafka-compatible broker (.peers/kafka/tansu, in-memory storage) on a free 127.0.0.1 port.
Prints `READY bootstrap=127.0.0.1:PORT` once the port accepts connections; stops the broker when standard
input closes, or on SIGTERM."""
import os
import signal
import socket
import subprocess
import sys
import time

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
url = "tcp://127.0.0.1:%d" % port
broker = subprocess.Popen([os.path.join(root, ".peers/kafka/tansu"), "broker", "--listener-url", url,
                           "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(*_):
    broker.terminate()
    try:
        broker.wait(5)
    except subprocess.TimeoutExpired:
        broker.kill()
    os._exit(0)


signal.signal(signal.SIGTERM, stop)
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        break
    except OSError:
        time.sleep(0.05)
else:
    print("FAILED broker did not open its port", flush=True)
    stop()
print("READY bootstrap=127.0.0.1:%d pid=%d" % (port, broker.pid), flush=True)
sys.stdin.read()
stop()
