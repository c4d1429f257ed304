"""Percentiles of the numbers on stdin (one per line): prints 'p50 p95 max count'."""
import sys

values = sorted(float(v) for v in sys.stdin if v.strip())


def pct(p):
    # Nearest rank, as the targets read: p95 is a value that 95 % of the samples do not exceed.
    k = max(0, min(len(values) - 1, -(-len(values) * p // 100) - 1))
    return values[int(k)]


print(f"{pct(50):.0f} {pct(95):.0f} {values[-1]:.0f} {len(values)}")
