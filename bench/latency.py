"""Builds tiny derivations one at a time and prints, per build, the milliseconds from `nix-build` returning
(the path is valid) until its narinfo is in the file cache. Usage: latency.py CACHE_DIR COUNT NONCE"""
import os
import random
import subprocess
import sys
import time

cache, count, nonce = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(count):
    expr = (f'derivation {{ name = "bench-latency-{nonce}-{i}"; system = builtins.currentSystem; '
            f'builder = "/bin/sh"; args = [ "-c" "echo {nonce} {i} > $out" ]; }}')
    out = subprocess.run(["nix-build", "--no-out-link", "--option", "substituters", "", "-E", expr], check=True, capture_output=True, text=True).stdout.strip()
    built = time.monotonic()
    narinfo = os.path.join(cache, os.path.basename(out)[:32] + ".narinfo")
    while not os.path.exists(narinfo):
        if time.monotonic() - built > 30:
            sys.exit(f"{out}: no narinfo after 30 s")
        time.sleep(0.002)
    print(f"{(time.monotonic() - built) * 1000:.1f}", flush=True)
    time.sleep(0.3 + random.random() * 0.4)
