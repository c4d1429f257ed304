"""A home uplink in front of an S3 server, for bench/auto.sh: every byte clients send goes through one queue that
drains at RATE bytes per second and holds at most QUEUE seconds of them (a modem's buffer); answers come back at
once.

  python3 uplink_front.py UPSTREAM_PORT RATE QUEUE PORT_FILE STATS_FILE

Listens on a free loopback port (written to PORT_FILE once it listens) and relays each connection to the upstream
port. When it stops (SIGTERM) it writes to STATS_FILE, as JSON, the bytes of the connections that sent more than
1 MiB (the uploads) and the seconds from the first of their bytes to leave the queue to the last.
"""
import collections
import json
import signal
import socket
import sys
import threading
import time

UPSTREAM_PORT, RATE, QUEUE = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
PORT_FILE, STATS_FILE = sys.argv[4], sys.argv[5]
CAPACITY = RATE * QUEUE
CHUNK = 16 << 10
HEAVY = 1 << 20

link = collections.deque()
queued = 0
cond = threading.Condition()
# connection id -> [bytes sent through the link, first departure, last departure]
sent = {}


def departures():
    """The uplink: takes chunks in arrival order and lets each go when the line has had time to send it."""
    global queued
    clock = time.monotonic()
    while True:
        with cond:
            while not link:
                cond.wait()
            conn_id, upstream, data = link.popleft()
        clock = max(clock, time.monotonic()) + len(data) / RATE
        delay = clock - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        with cond:
            queued -= len(data)
            cond.notify_all()
            entry = sent.setdefault(conn_id, [0, clock, clock])
            entry[0] += len(data)
            entry[2] = clock
        try:
            upstream.sendall(data)
        except OSError:
            pass


def uplink(conn_id, client, upstream):
    """Client to server: each chunk waits for room in the queue (a full buffer holds the sender back)."""
    global queued
    try:
        while data := client.recv(CHUNK):
            with cond:
                while queued > 0 and queued + len(data) > CAPACITY:
                    cond.wait()
                queued += len(data)
                link.append((conn_id, upstream, data))
                cond.notify_all()
    except OSError:
        pass


def downlink(client, upstream):
    """Server to client, unshaped."""
    try:
        while data := upstream.recv(1 << 16):
            client.sendall(data)
    except OSError:
        pass
    finally:
        for s in (client, upstream):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)

    def stop(*_):
        with cond:
            heavy = [e for e in sent.values() if e[0] > HEAVY]
        stats = {"bytes": sum(e[0] for e in heavy),
                 "seconds": (max(e[2] for e in heavy) - min(e[1] for e in heavy)) if heavy else 0}
        with open(STATS_FILE, "w", encoding="ascii") as f:
            json.dump(stats, f)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    threading.Thread(target=departures, daemon=True).start()
    with open(PORT_FILE, "w", encoding="ascii") as f:
        f.write(str(listener.getsockname()[1]))
    conn_id = 0
    while True:
        client, _ = listener.accept()
        upstream = socket.create_connection(("127.0.0.1", UPSTREAM_PORT))
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn_id += 1
        threading.Thread(target=uplink, args=(conn_id, client, upstream), daemon=True).start()
        threading.Thread(target=downlink, args=(client, upstream), daemon=True).start()


main()
