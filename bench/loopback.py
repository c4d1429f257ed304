"""What bench's loopback HTTP servers share: a free port written to a file once listening, a summary line on SIGTERM."""
import http.server
import signal
import sys


def serve(handler, port_file, summary):
    """Serves HANDLER on a free loopback port (written to PORT_FILE) until SIGTERM, then prints SUMMARY() to stderr."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True

    def stop(*_):
        print(summary(), file=sys.stderr, flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    with open(port_file, "w", encoding="ascii") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()
