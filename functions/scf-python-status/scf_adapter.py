#!/usr/bin/env python3
"""Runs an SCF-style Python function - `main_handler(event, context)` - under Vigil's exec handler
(protocol: json): the event JSON arrives on standard input, the function's answer is printed as JSON.

usage: scf_adapter.py MODULE.FUNCTION       (the `handler:` of serverless.yml, e.g. index.main_handler)

The module is imported from the working directory (the function's folder). `context` is a dict like SCF's
(function_name, request_id, memory_limit_in_mb, time_limit_in_ms, environ). An answer that is a dict with `up`
(or `targets`) is passed on as it is; any other answer is reported as up, with its text as the summary. An
exception is printed with its traceback on standard error and the exit status is 1: Vigil reports the check as
failed with the exception's line. Copy this file next to any other such function."""
import importlib
import json
import os
import sys
import traceback


def main():
    if len(sys.argv) != 2 or "." not in sys.argv[1]:
        print("usage: scf_adapter.py MODULE.FUNCTION (e.g. index.main_handler)", file=sys.stderr)
        return 2
    module_name, function_name = sys.argv[1].rsplit(".", 1)
    sys.path.insert(0, os.getcwd())
    raw = sys.stdin.read()
    event = json.loads(raw) if raw.strip() else {}
    context = {
        "function_name": os.environ.get("VIGIL_FUNCTION_NAME", ""),
        "request_id": os.environ.get("VIGIL_REQUEST_ID", ""),
        "memory_limit_in_mb": 64,
        "time_limit_in_ms": int(os.environ.get("VIGIL_TIMEOUT_MS", "3000")),
        "environ": ";".join("%s=%s" % item for item in os.environ.items() if not item[0].startswith("VIGIL_")),
    }
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
        answer = handler(event, context)
    except Exception:
        traceback.print_exc()
        return 1
    if not (isinstance(answer, dict) and ("up" in answer or "targets" in answer)):
        answer = {"up": True, "summary": str(answer)[:500]}
    sys.stdout.write(json.dumps(answer, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
