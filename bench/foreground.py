"""The foreground traffic of bench/auto.sh: a small request (HEAD /) through the uplink front every 100 ms, each on
a connection of its own as a new page or call setup would, for SECONDS or until SIGTERM; prints the median and 95th
percentile of the round trips in milliseconds as JSON.

  python3 foreground.py PORT SECONDS
"""
import http.client
import json
import signal
import statistics
import sys
import time

PORT, SECONDS = int(sys.argv[1]), float(sys.argv[2])
samples = []


def report(*_):
    samples.sort()
    print(json.dumps({"count": len(samples), "median": round(statistics.median(samples), 1) if samples else None,
                      "p95": round(samples[int(len(samples) * 0.95)], 1) if samples else None}), flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, report)
end = time.monotonic() + SECONDS
while time.monotonic() < end:
    start = time.monotonic()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        conn.request("HEAD", "/")
        conn.getresponse().read()
        conn.close()
        samples.append((time.monotonic() - start) * 1000)
    except OSError:
        pass
    time.sleep(max(0, 0.1 - (time.monotonic() - start)))
report()
