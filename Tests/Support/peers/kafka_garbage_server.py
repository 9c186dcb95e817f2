#!/usr/bin/env python3
"""Listeners on 127.0.0.1 that answer a Kafka request badly, one way each:
  oversize     a 4-byte size of 0x7fffffff (no Kafka answer is 2 GB)
  short        a well-sized frame whose body is cut (the right correlation id, then 3 bytes of an int16 array)
  midframe     a size of 100, 10 bytes, then the connection closes
  correlation  a frame with another request's correlation id
  silent       reads the request and never answers
Prints `READY oversize=P short=P midframe=P correlation=P silent=P`; serves until standard input closes."""
import os
import socket
import struct
import sys
import threading


def answer(mode, connection):
    with connection:
        request = connection.recv(65536)
        correlation = request[8:12] if len(request) >= 12 else b"\0\0\0\0"
        if mode == "oversize":
            connection.sendall(b"\x7f\xff\xff\xff" + b"junk")
        elif mode == "short":
            body = correlation + b"\0\0\0\x05\0\x01\0"  # array of 5, then half an element
            connection.sendall(struct.pack(">i", len(body)) + body)
        elif mode == "midframe":
            connection.sendall(struct.pack(">i", 100) + correlation + b"\0" * 6)
        elif mode == "correlation":
            body = struct.pack(">i", struct.unpack(">i", correlation)[0] + 1000) + b"\0\0\0\0\0\0"
            connection.sendall(struct.pack(">i", len(body)) + body)
        elif mode == "silent":
            connection.recv(1)  # until the client gives up


def listen(mode):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)

    def loop():
        while True:
            connection, _ = server.accept()
            threading.Thread(target=answer, args=(mode, connection), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return server.getsockname()[1]


modes = ["oversize", "short", "midframe", "correlation", "silent"]
ports = {mode: listen(mode) for mode in modes}
print("READY " + " ".join("%s=%d" % (mode, ports[mode]) for mode in modes), flush=True)
sys.stdin.read()
os._exit(0)
