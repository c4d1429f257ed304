"""An HTTP front for bench/stalls.sh and bench/uplink.sh: forwards every request to an S3 server, and holds a share of
them unanswered.

  python3 stall_front.py UPSTREAM_PORT SHARE SEED PORT_FILE [NAR_FILE]

Listens on a free loopback port (written to PORT_FILE once it listens). Each request is drawn from a seeded random
sequence: with probability SHARE it is held for 300 s, without an answer, before it is forwarded (the client gives up
long before); the others are forwarded at once, bodies streamed both ways. Counts go to stderr when it stops. With
NAR_FILE, it also writes there, per bucket, the bytes of NAR bodies that arrived (PUTs to .../nar/...) and the seconds
from the first of them to the last, as JSON, when it stops.
"""
import http.client
import http.server
import json
import random
import sys
import threading
import time

import loopback

UPSTREAM_PORT, SHARE, SEED, PORT_FILE = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
HOLD_SECONDS = 300
CHUNK = 1 << 20
HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "proxy-connection", "upgrade", "te"}

draws = random.Random(SEED)
lock = threading.Lock()
counts = {"requests": 0, "held": 0}
NAR_FILE = sys.argv[5] if len(sys.argv) > 5 else None
# bucket -> [bytes, first arrival, last arrival] of NAR bodies
nar_bodies = {}


def arrived(path, size):
    """Notes SIZE bytes of a NAR body to PATH (/bucket/nar/…) arriving now."""
    parts = path.split("?")[0].split("/")
    if len(parts) < 4 or parts[2] != "nar":
        return
    now = time.monotonic()
    with lock:
        entry = nar_bodies.setdefault(parts[1], [0, now, now])
        entry[0] += size
        entry[2] = now


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        with lock:
            counts["requests"] += 1
            held = draws.random() < SHARE
            counts["held"] += held
        length = int(self.headers.get("Content-Length") or 0)
        if held:
            # Unanswered: the body stays unread, the client's own timeout has to end it.
            time.sleep(HOLD_SECONDS)
            self.close_connection = True
            return
        upstream = http.client.HTTPConnection("127.0.0.1", UPSTREAM_PORT, timeout=600)
        try:
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in HOP:
                    upstream.putheader(name, value)
            upstream.endheaders()
            left = length
            while left > 0:
                chunk = self.rfile.read1(min(CHUNK, left))
                if not chunk:
                    raise ConnectionError("the client closed the body early")
                if self.command == "PUT":
                    arrived(self.path, len(chunk))
                upstream.send(chunk)
                left -= len(chunk)
            response = upstream.getresponse()
            self.send_response_only(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in HOP:
                    self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                while chunk := response.read(CHUNK):
                    self.wfile.write(chunk)
        except (ConnectionError, OSError):
            self.close_connection = True
        finally:
            upstream.close()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = forward


def summary():
    """The counts for stderr; with NAR_FILE, the NAR bodies' bytes and seconds per bucket written there first."""
    if NAR_FILE:
        with lock, open(NAR_FILE, "w", encoding="ascii") as f:
            json.dump({bucket: {"bytes": e[0], "seconds": e[2] - e[1]} for bucket, e in nar_bodies.items()}, f)
    return f"stall front: {counts['requests']} requests, {counts['held']} held"


loopback.serve(Front, PORT_FILE, summary)
