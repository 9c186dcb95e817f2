# The articles' handler shape: SCF/Lambda call main_handler(event, context); a trivial one.
import json


def main_handler(event, context):
    return {"ok": True, "eventKind": "timer" if isinstance(event, dict) and event.get("Type") == "Timer" else "raw"}
