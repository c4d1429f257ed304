#!/usr/bin/env bash
# Start-up scan: 20,000 small store paths (the closure of one root, pushed to an s3rver bucket first), then
# `nix-watcher run` with `scan = "roots"` on that root: time from process start until it has established that
# all of them are in the cache, from an empty state (it asks s3rver about each) and again with the state.

bench_scan() {
  local n=${SCAN_PATHS:-20000} top paths config t_empty t_state
  top=$(root_of "bench-scan-$n" "$n")
  paths=$(nix-store -qR "$top" | wc -l)
  ln -sfn "$top" "$BENCH_TMP/gcroots/scan"
  start_s3rver bench-scan
  log "scan: pushing $paths paths to s3rver first"
  watcher_s3_config "$BENCH_TMP/scan-push.toml" "$S3_PORT" bench-scan "$BENCH_TMP/scan-push-state" 'scan = "none"'
  watcher_push "$BENCH_TMP/scan-push.toml" "$top" >"$BENCH_TMP/scan-push.log" 2>&1 \
    || { log "scan: push failed"; tail "$BENCH_TMP/scan-push.log" >&2; return 1; }

  config="$BENCH_TMP/scan.toml"
  watcher_s3_config "$config" "$S3_PORT" bench-scan "$BENCH_TMP/scan-state" "scan = \"roots\"
roots = [\"$BENCH_TMP/gcroots/scan\"]"
  start_daemon "$config" "$BENCH_TMP/scan-1.log"
  t_empty=$(python3 "$bench_root/procstat.py" count "$BENCH_TMP/scan-state/state.db" s3 "$paths" "$DAEMON_START")
  stop_pid "$DAEMON_PID"
  log "scan: empty state ${t_empty}s (load $(load))"

  start_daemon "$config" "$BENCH_TMP/scan-2.log"
  t_state=$(python3 "$bench_root/procstat.py" settle "$DAEMON_PID" "$DAEMON_START" 2)
  stop_pid "$DAEMON_PID"
  log "scan: with state ${t_state}s (load $(load))"
  stop_pid "$S3RVER_PID"
  rm -rf "$BENCH_TMP/s3rver"
  result "start-up scan, $paths paths in cache, with state" "$t_state" "s" "≤ 1 s" "$(le "$t_state" 1)" \
    "process start → busy work done (no CPU for 2 s)"
  result "start-up scan, $paths paths in cache, empty state (s3rver)" "$t_empty" "s" "≤ 30 s" "$(le "$t_empty" 30)" \
    "process start → all $paths recorded present"
}
