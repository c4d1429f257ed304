"""Watches a process through /proc. Usage:
  procstat.py idle PID CACHE SECONDS  prints 'rss_mb cpu_per_minute quiet_seconds busy_windows': RSS at the end, and
                                      the CPU used per minute over the 10 s windows in which no narinfo appeared in
                                      the file cache CACHE (builds by other processes on the machine wake the daemon)
  procstat.py settle PID START QUIET  waits until the process has used no CPU for QUIET seconds and prints the
                                      seconds from START (epoch seconds) to the last moment it used CPU
  procstat.py count DB CACHE N START  waits until the state DB at DB lists N paths pushed to CACHE; prints seconds since START
"""
import os
import sqlite3
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


mode = sys.argv[1]
def narinfos(cache):
    try:
        return sum(1 for name in os.listdir(cache) if name.endswith(".narinfo"))
    except FileNotFoundError:
        return 0


if mode == "idle":
    pid, cache, seconds = int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    quiet_cpu = quiet_time = 0.0
    busy = 0
    for _ in range(int(seconds // 10)):
        cpu0, n0 = cpu(pid), narinfos(cache)
        time.sleep(10)
        cpu1, n1 = cpu(pid), narinfos(cache)
        if n1 == n0:
            quiet_cpu += cpu1 - cpu0
            quiet_time += 10
        else:
            busy += 1
    per_minute = quiet_cpu * 60 / quiet_time if quiet_time else float("nan")
    print(f"{rss_mb(pid):.1f} {per_minute:.3f} {quiet_time:.0f} {busy}")
elif mode == "settle":
    pid, start, quiet = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    last_cpu, last_busy = cpu(pid), time.time()
    while time.time() - last_busy < quiet:
        time.sleep(0.02)
        now = cpu(pid)
        if now != last_cpu:
            last_cpu, last_busy = now, time.time()
    print(f"{last_busy - start:.2f}")
elif mode == "count":
    db, cache, n, start = sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    deadline = time.time() + 600
    while time.time() < deadline:
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            done = con.execute("SELECT count(*) FROM pushed WHERE cache = ?", (cache,)).fetchone()[0]
            con.close()
            if done >= n:
                print(f"{time.time() - start:.2f}")
                sys.exit(0)
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    sys.exit("timed out")
