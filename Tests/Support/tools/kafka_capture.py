#!/usr/bin/env python3
"""Captures real broker answers for the decoding tests (Tests/VigilChecksTests/KafkaFixtures.swift).

usage: kafka_capture.py BOOTSTRAP GROUP TOPIC PARTITIONS
Sends the requests kafka-backlog sends (the versions it negotiates with Tansu 0.6) and prints each answer frame,
after its 4-byte size, as hex. Seed first (peers/kafka_seed.py) so that the answers carry offsets.
"""
import socket
import struct
import sys

bootstrap, group, topic, partitions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
host, port = bootstrap.rsplit(":", 1)
connection = socket.create_connection((host, int(port)))


def string(text):
    data = text.encode()
    return struct.pack(">h", len(data)) + data


def call(api, version, correlation, body):
    payload = struct.pack(">hhi", api, version, correlation) + string("vigil") + body
    connection.sendall(struct.pack(">i", len(payload)) + payload)
    size = struct.unpack(">i", connection.recv(4, socket.MSG_WAITALL))[0]
    return connection.recv(size, socket.MSG_WAITALL)


ids = b"".join(struct.pack(">i", p) for p in range(partitions))
requests = {
    "apiVersionsV0": (18, 0, b""),
    "metadataV4": (3, 4, struct.pack(">i", 1) + string(topic) + b"\0"),
    "findCoordinatorV1": (10, 1, string(group) + b"\0"),
    "describeGroupsV1": (15, 1, struct.pack(">i", 1) + string(group)),
    "offsetFetchV1": (9, 1, string(group) + struct.pack(">i", 1) + string(topic) + struct.pack(">i", partitions) + ids),
    "listOffsetsV1Latest": (2, 1, struct.pack(">ii", -1, 1) + string(topic) + struct.pack(">i", partitions)
                            + b"".join(struct.pack(">iq", p, -1) for p in range(partitions))),
}
for correlation, (name, (api, version, body)) in enumerate(requests.items(), start=1):
    print('  static let %s = "%s"' % (name, call(api, version, correlation, body).hex()))
