"""A minimal Attic API server for bench/stalls.sh: the three calls a pusher makes, paths kept in memory.

  python3 attic_server.py CACHE PORT_FILE

Listens on a free loopback port (written to PORT_FILE once it listens). Answers cache-config (its api_endpoint is the
address the client reached, so a front in between stays in between), get-missing-paths, and upload-path with the upload
info in the body's preamble; an upload whose NAR is not exactly nar_size bytes is refused (400) and not kept. Tokens
are not checked. Counts go to stderr when it stops.
"""
import base64
import http.server
import json
import sys
import threading

import loopback

CACHE, PORT_FILE = sys.argv[1], sys.argv[2]
CHUNK = 1 << 20
PUBLIC_KEY = "bench-attic:" + base64.b64encode(bytes(32)).decode("ascii")

lock = threading.Lock()
paths = {}
counts = {"uploads": 0, "bytes": 0}


class Attic(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, document):
        body = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self, length):
        return self.rfile.read(length) if length > 0 else b""

    def do_GET(self):
        if self.path != f"/_api/v1/cache-config/{CACHE}":
            return self.answer(404, {"code": 404, "error": "NoSuchCache", "message": "no such cache"})
        endpoint = f"http://{self.headers.get('Host')}/"
        self.answer(200, {
            "substituter_endpoint": endpoint + CACHE, "api_endpoint": endpoint, "public_key": PUBLIC_KEY,
            "is_public": False, "store_dir": "/nix/store", "priority": 41, "upstream_cache_key_names": [],
            "retention_period": "Global",
        })

    def do_POST(self):
        request = json.loads(self.body(int(self.headers.get("Content-Length") or 0)))
        with lock:
            missing = [h for h in request["store_path_hashes"] if h not in paths]
        self.answer(200, {"missing_paths": missing})

    def do_PUT(self):
        length = int(self.headers.get("Content-Length") or 0)
        preamble = int(self.headers.get("X-Attic-Nar-Info-Preamble-Size") or 0)
        info = json.loads(self.body(preamble))
        left, received = length - preamble, 0
        while left > 0:
            chunk = self.rfile.read(min(CHUNK, left))
            if not chunk:
                self.close_connection = True
                return
            received += len(chunk)
            left -= len(chunk)
        if received != info["nar_size"]:
            return self.answer(400, {"code": 400, "error": "RequestError", "message": "Bad NAR Hash or Size"})
        with lock:
            counts["uploads"] += 1
            counts["bytes"] += received
            kind = "Deduplicated" if info["store_path_hash"] in paths else "Uploaded"
            paths[info["store_path_hash"]] = info["nar_size"]
        self.answer(200, {"kind": kind, "file_size": received, "frac_deduplicated": 0.0})


loopback.serve(Attic, PORT_FILE, lambda: f"attic server: {len(paths)} paths, {counts['uploads']} uploads, {counts['bytes']} bytes")
