#!/usr/bin/env python3
"""Seeds a Kafka topic and a consumer group at known offsets, with kafka-python (.peers/venv).

usage: kafka_seed.py BOOTSTRAP TOPIC PARTITIONS RECORDS_PER_PARTITION GROUP OFFSET[,OFFSET…]
Creates TOPIC (if missing), produces RECORDS_PER_PARTITION records to each partition, ONE RECORD PER BATCH
(Tansu advances its high watermark by one per batch, not per record), then commits GROUP at the given offsets
(one per partition; '-' leaves a partition uncommitted). Prints the end offsets as JSON.
RECORDS_PER_PARTITION may be 0 (commit only); all-'-' offsets produce only.

Environment KAFKA_SASL=MECHANISM:USER:PASSWORD:CAFILE connects with SASL_SSL (through kafka_sasl_gate.py).
"""
import os
import json
import sys

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.structs import OffsetAndMetadata

bootstrap, topic, partitions, per_partition, group, offsets = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
security = {}
if os.environ.get("KAFKA_SASL"):
    mechanism, user, password, cafile = os.environ["KAFKA_SASL"].split(":", 3)
    security = dict(security_protocol="SASL_SSL", sasl_mechanism=mechanism, sasl_plain_username=user,
                    sasl_plain_password=password, ssl_cafile=cafile)
admin = KafkaAdminClient(bootstrap_servers=bootstrap, **security)
if topic not in admin.list_topics():
    admin.create_topics([NewTopic(topic, partitions, 1)])
producer = KafkaProducer(bootstrap_servers=bootstrap, **security)
for index in range(per_partition):
    for partition in range(partitions):
        producer.send(topic, value=b"r%d" % index, partition=partition)
        producer.flush()
consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, **security)
targets = [TopicPartition(topic, p) for p in range(partitions)]
consumer.assign(targets)
commits = {tp: OffsetAndMetadata(int(o), None, -1) for tp, o in zip(targets, offsets.split(",")) if o != "-"}
if commits:
    consumer.commit(commits)
print(json.dumps({str(tp.partition): v for tp, v in consumer.end_offsets(targets).items()}), flush=True)
consumer.close()
producer.close()
