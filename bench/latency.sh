#!/usr/bin/env bash
# Latency: build finished (`nix-build` returned) → narinfo visible in the file cache, for tiny derivations built
# one at a time while `nix-watcher run` watches the store (after its start-up scan): p50 and p95, with the default batching
# (batch-quiet-ms = 250) and, for comparison, with batch-quiet-ms = 20.

latency_run() {
  local label=$1 extra=$2 n=${LATENCY_BUILDS:-30} dir="$BENCH_TMP/latency-$1" stats
  mkdir -p "$dir"
  printf '%b\n' "$extra" | watcher_config "$dir/config.toml" "$dir/cache" "$dir/state"
  start_daemon "$dir/config.toml" "$dir/daemon.log"
  # Steady state: the start-up scan of a fresh state (every valid path recorded as seen) is done.
  for _ in $(seq 1 1200); do grep -q "start-up scan" "$dir/daemon.log" && break; sleep 0.05; done
  python3 "$bench_root/latency.py" "$dir/cache" "$n" "$(date +%s%N)-$label" >"$dir/ms.txt"
  stop_pid "$DAEMON_PID"
  read -r p50 p95 max count < <(python3 "$bench_root/pct.py" <"$dir/ms.txt")
  log "latency ($label): p50 ${p50} ms, p95 ${p95} ms, max ${max} ms over $count builds (load $(load))"
}

bench_latency() {
  local p50 p95 max count
  latency_run default ""
  result "latency p50 (default batching)" "$p50" "ms" "≤ 250 ms" "$(le "$p50" 250)" "$count builds, max ${max} ms"
  result "latency p95 (default batching)" "$p95" "ms" "≤ 1000 ms" "$(le "$p95" 1000)" ""
  latency_run quiet20 "batch-quiet-ms = 20"
  result "latency p50 (batch-quiet-ms = 20)" "$p50" "ms" "≤ 250 ms" "info" "$count builds, p95 ${p95} ms, max ${max} ms"
}
