#!/usr/bin/env python3
"""A live consumer-group member that never commits: joins GROUP subscribed to TOPIC with kafka-python
(.peers/venv), prints `READY members=1 partitions=N` once partitions are assigned, keeps polling (so the group
stays Stable) until standard input closes, then leaves the group.

usage: kafka_member.py BOOTSTRAP GROUP TOPIC
"""
import sys
import threading
import time

from kafka import KafkaConsumer

bootstrap, group, topic = sys.argv[1:4]
consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                         auto_offset_reset="earliest", session_timeout_ms=10000, heartbeat_interval_ms=1000)
consumer.subscribe([topic])
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
deadline = time.time() + 75  # a loaded machine can take a while to rebalance
announced = False
while not done.is_set():
    consumer.poll(timeout_ms=200)
    if not announced and consumer.assignment():
        print("READY members=1 partitions=%d" % len(consumer.assignment()), flush=True)
        announced = True
    if not announced and time.time() > deadline:
        print("FAILED no assignment within 75 s", flush=True)
        break
consumer.close(autocommit=False)
