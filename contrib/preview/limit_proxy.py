"""A reverse proxy with a request-size limit, like nginx's client_max_body_size in front of an S3 server.

    python3 limit_proxy.py LISTEN_PORT UPSTREAM_PORT LIMIT_BYTES

Requests with a larger body get 413 (which nix-watcher never retries, so the path becomes a dead letter);
the rest go to 127.0.0.1:UPSTREAM_PORT unchanged (Host included, since S3 signatures cover it). When the
upstream is down it answers 502. Used by render.sh only.
"""
import http.client
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LISTEN, UPSTREAM, LIMIT = (int(a) for a in sys.argv[1:4])
HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "proxy-connection", "upgrade"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet
        pass

    def too_large(self):
        return int(self.headers.get("Content-Length") or 0) > LIMIT

    def handle_expect_100(self):
        if self.too_large():
            self.reject()
            return False
        return super().handle_expect_100()

    def reject(self):
        body = b"<html><body><h1>413 Request Entity Too Large</h1></body></html>"
        self.send_response(413)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.too_large():
            self.rfile.read(length)
            self.reject()
            return
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        try:
            upstream = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=60)
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
        except OSError:
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in HOP and name.lower() != "content-length":
                self.send_header(name, value)
        # A HEAD answer carries the length of what a GET would return.
        self.send_header("Content-Length", response.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward


ThreadingHTTPServer(("127.0.0.1", LISTEN), Handler).serve_forever()
