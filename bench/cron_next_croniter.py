"""The same measurement with Python's croniter: successive get_next() calls, printed as calls per second."""
import sys
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from croniter import croniter

expression, zone, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
start = datetime(2026, 1, 1, tzinfo=timezone.utc).astimezone(ZoneInfo(zone))
iterator = croniter(expression, start, second_at_beginning=True)
made = 0
began = time.perf_counter()
for _ in range(calls):
    try:
        iterator.get_next(datetime)
        made += 1
    except Exception:  # croniter raises when it runs out (e.g. past 2099)
        iterator = croniter(expression, start, second_at_beginning=True)
elapsed = time.perf_counter() - began
print(int(calls / elapsed), made)
