# `python3 invoke.py EVENT.json`: the local-invoke equivalent of `vigil invoke`: load, call, print the result.
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from index import main_handler  # noqa: E402

print(json.dumps(main_handler(json.load(open(sys.argv[1])), {"request_id": "local"})))
