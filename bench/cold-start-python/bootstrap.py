# A minimal Python custom runtime (what `provided` runtimes run for Python without the managed runtime):
# the Lambda Runtime API loop with the standard library, calling index.main_handler.
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from index import main_handler  # noqa: E402

base = "http://%s/2018-06-01/runtime/invocation/" % os.environ["AWS_LAMBDA_RUNTIME_API"]
while True:
    with urllib.request.urlopen(base + "next") as response:
        request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(response.read())
    try:
        body, kind = json.dumps(main_handler(event, {"request_id": request_id})).encode(), "response"
    except Exception as error:  # reported as Lambda documents
        body, kind = json.dumps({"errorMessage": str(error), "errorType": type(error).__name__}).encode(), "error"
    urllib.request.urlopen(urllib.request.Request(base + request_id + "/" + kind, data=body, method="POST")).read()
