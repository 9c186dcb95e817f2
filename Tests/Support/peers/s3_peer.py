#!/usr/bin/env python3
"""moto's S3 server (`moto[server]` from PyPI, in .peers/venv) on a free 127.0.0.1 port with authentication on:
the first few requests (unauthenticated, INITIAL_NO_AUTH_ACTION_COUNT) make a bucket, an IAM user, its access
key and a policy allowing S3; every request after them must carry a valid SigV4 signature of that key, so a
wrong secret is refused (403 SignatureDoesNotMatch) as AWS refuses it. Prints
`READY port=PORT bucket=BUCKET key=ACCESS_KEY secret=SECRET` and stops the server when standard input closes.
Run with .peers/venv/bin/python.

With --cos it answers PUT Object as Tencent COS documents it: there is no If-Match or If-None-Match on PUT (both
are ignored, as by a store that does not know them, so a compare-and-set silently becomes an overwrite), and
`x-cos-forbid-overwrite: true` refuses to replace an existing object with 409 FileAlreadyExists."""
import json
import logging
import os
import socket
import sys

SETUP_ACTIONS = 4
BUCKET = "vigil-state-test"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


port = free_port()
# Read by moto when it is imported: the first requests are the set-up below, every later one must be signed.
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = str(SETUP_ACTIONS)

from moto.core.responses import BaseResponse  # noqa: E402
from moto.moto_server.threaded_moto_server import ThreadedMotoServer  # noqa: E402

# An emulator bug, mended here: moto checks a signature against the URL werkzeug rebuilt, with %2F in the query
# and %40 in the path decoded, while AWS (and every SDK) signs the path and query as sent, encoded. Without this,
# boto3 itself fails there on a list with prefix 'a/'. The raw request target is put back before the check.
original_setup = BaseResponse.setup_class


def setup_with_raw_query(self, request, full_url, headers, use_raw_body=False):
    original_setup(self, request, full_url, headers, use_raw_body)
    environ = getattr(request, "environ", None)
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") if environ is not None else None
    if raw and raw.startswith("/"):
        scheme, rest = full_url.split("://", 1)
        self.uri = scheme + "://" + rest.split("/", 1)[0] + raw


BaseResponse.setup_class = setup_with_raw_query

# A second one: moto checks a conditional write's precondition and then writes, with nothing between them, so two
# threads can both pass If-Match on one version (a lost update AWS's atomic conditional writes never allow).
# Requests are served one at a time here, which makes each conditional write atomic, as AWS documents it.
from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402
import threading  # noqa: E402

one_at_a_time = threading.Lock()
original_call = DomainDispatcherApplication.__call__
# Requests served, for the benches: GET /__peer/requests answers the count, /__peer/requests-by-kind a JSON
# object of counts per kind (GET, PUT, DELETE, LIST - a GET with list-type -, HEAD, POST); neither is counted.
served = [0]
served_by_kind = {}


def serialized_call(self, environ, start_response):
    if environ.get("PATH_INFO") == "/__peer/requests":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(served[0]).encode()]
    if environ.get("PATH_INFO") == "/__peer/requests-by-kind":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(served_by_kind).encode()]
    kind = environ.get("REQUEST_METHOD", "?")
    if kind == "GET" and "list-type=" in environ.get("QUERY_STRING", ""):
        kind = "LIST"
    with one_at_a_time:
        served[0] += 1
        served_by_kind[kind] = served_by_kind.get(kind, 0) + 1
        return list(original_call(self, environ, start_response))


DomainDispatcherApplication.__call__ = serialized_call

if "--cos" in sys.argv[1:]:
    from moto.s3.responses import S3Response  # noqa: E402
    from werkzeug.datastructures import Headers  # noqa: E402

    original_put_object = S3Response.put_object

    def cos_put_object(self):
        if str(self.headers.get("x-cos-forbid-overwrite", "")).lower() == "true" and \
                self.backend.get_object(self.bucket_name, self.parse_key_name()) is not None:
            body = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>FileAlreadyExists</Code>'
                    '<Message>Current upload file already exists.</Message></Error>')
            return 409, {"Content-Type": "application/xml"}, body
        # Checked after the signature, which covers them: COS has no conditional PUT, so they change nothing.
        self.headers = Headers([(name, value) for name, value in self.headers.items()
                                if name.lower() not in ("if-match", "if-none-match")])
        return original_put_object(self)

    S3Response.put_object = cos_put_object
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()


def stop():
    server.stop()
    os._exit(0)


endpoint = "http://127.0.0.1:%d" % port
import boto3  # noqa: E402  (moto[server] brings it)

session = boto3.session.Session(aws_access_key_id="setup", aws_secret_access_key="setup", region_name="us-east-1")
s3 = session.client("s3", endpoint_url=endpoint)
iam = session.client("iam", endpoint_url=endpoint)
s3.create_bucket(Bucket=BUCKET)
iam.create_user(UserName="vigil")
iam.put_user_policy(UserName="vigil", PolicyName="state", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}))
key = iam.create_access_key(UserName="vigil")["AccessKey"]
print("READY port=%d bucket=%s key=%s secret=%s" % (port, BUCKET, key["AccessKeyId"], key["SecretAccessKey"]),
      flush=True)
sys.stdin.read()
stop()
