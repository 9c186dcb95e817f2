#!/usr/bin/env python3
"""Loads `vigil serve` with heartbeats from many hosts, and misbehaves alongside to show it harms no one.

usage: heartbeat_load.py BASE_URL TOKEN HOSTS PER_HOST [--abuse]
Each of HOSTS hosts (host-000…, asyncio tasks in one process, so the client is not what limits the rate) posts
PER_HOST heartbeats over one keep-alive connection, the next when the last was answered. With --abuse, while the load runs: a 20 KB header (expects 431), bad JSON (400), a wrong token
(401), a chunked body (411), a request line of garbage (400), and a slowloris client that sends its head a
byte at a time (expects the server to cut it off with 408 or a close). Prints one JSON line: counts, statuses,
latency percentiles (ms) and wall time.
"""
import asyncio
import json
import socket
import sys
import threading
import time
from urllib.parse import urlparse

base, token, hosts, per_host = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
abuse = "--abuse" in sys.argv
url = urlparse(base)
latencies, statuses, errors = [], {}, []


async def host_worker(index):
    """One host: PER_HOST heartbeats over one keep-alive connection, each sent when the last was answered."""
    host = "host-%03d" % index
    mine, codes = [], {}
    reader = writer = None
    for n in range(per_host):
        body = json.dumps({"cpu": n % 100, "memory": 40.5, "seq": n}).encode()
        request = ("POST /heartbeat/%s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                   % (host, url.hostname, url.port, token, len(body))).encode() + body
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(url.hostname, url.port), 30)
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            code = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await asyncio.wait_for(reader.readexactly(length), 30)
            if b"connection: close" in head.lower():
                writer.close()
                writer = None
        except Exception as error:  # a dropped connection: count it, reconnect, go on
            code = "error:" + type(error).__name__
            if writer is not None:
                writer.close()
            writer = None
        mine.append((time.perf_counter() - started) * 1000)
        codes[code] = codes.get(code, 0) + 1
    if writer is not None:
        writer.close()
    latencies.extend(mine)
    for code, count in codes.items():
        statuses[str(code)] = statuses.get(str(code), 0) + count


async def all_hosts():
    await asyncio.gather(*(host_worker(index) for index in range(hosts)))


def raw(payload, read_timeout=15):
    with socket.create_connection((url.hostname, url.port), timeout=read_timeout) as sock:
        sock.sendall(payload)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            return "timeout"
        return data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.1 ") else "closed"


abuse_results = {}


def abuser():
    post = "POST /heartbeat/host-bad HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n" % token
    abuse_results["oversized-header"] = raw(("GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n" % ("a" * 20000)).encode())
    abuse_results["bad-json"] = raw((post + "Content-Length: 9\r\n\r\n{not json").encode())
    abuse_results["wrong-token"] = raw(b"POST /heartbeat/host-bad HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\nContent-Length: 2\r\n\r\n{}")
    abuse_results["chunked"] = raw((post + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n").encode())
    abuse_results["garbage"] = raw(b"\x16\x03\x01\x02\x00 garbage\r\n\r\n")


def slowloris():
    started = time.perf_counter()
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        head = b"POST /heartbeat/host-slow HTTP/1.1\r\nHost: x\r\n"
        try:
            for byte in head * 50:
                sock.sendall(bytes([byte]))
                time.sleep(0.05)
            answer = "sent everything (not cut off)"
        except OSError:
            answer = "closed"
        try:
            data = sock.recv(4096)
            if data.startswith(b"HTTP/1.1 "):
                answer = data.split(b" ", 2)[1].decode()
        except OSError:
            pass
    abuse_results["slowloris"] = answer
    abuse_results["slowloris-cut-after-s"] = round(time.perf_counter() - started, 1)


side = [threading.Thread(target=abuser), threading.Thread(target=slowloris)] if abuse else []
started = time.perf_counter()
for thread in side:
    thread.start()
asyncio.run(all_hosts())
wall = time.perf_counter() - started
for thread in side:
    thread.join()
latencies.sort()


def percentile(p):
    return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 2) if latencies else None


print(json.dumps({"sent": hosts * per_host, "statuses": statuses, "seconds": round(wall, 2),
                  "per_second": round(hosts * per_host / wall), "p50_ms": percentile(0.50),
                  "p99_ms": percentile(0.99), "max_ms": round(latencies[-1], 2) if latencies else None,
                  "abuse": abuse_results}), flush=True)
