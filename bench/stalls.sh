#!/usr/bin/env bash
# Hostile network: the push of bench/push.sh's closure (the .NET tree and 300 small paths) to an s3rver bucket through
# a front (bench/stall_front.py) that forwards every request, once holding none and once holding a share (default
# 10 %) of them unanswered for 300 s. The figure is the throughput with stalls as a ratio to the throughput without;
# `nix-watcher verify` then checks the bucket (every NAR a narinfo names is there with its size).

bench_stalls() {
  local share=${STALL_SHARE:-0.1} top paths side t config check front_log t_clear="" t_stalled="" notes=""
  large_tree
  top=$(root_of bench-stalls 300 "$LARGE_TREE")
  bench_roots+=("$top")
  paths=$(nix-store -qR "$top" | wc -l)
  for side in 0 "$share"; do
    start_s3rver bench-stalls
    front_log="$BENCH_TMP/front-$side.log"
    rm -f "$BENCH_TMP/front.port"
    python3 "$bench_root/stall_front.py" "$S3_PORT" "$side" 1 "$BENCH_TMP/front.port" 2>"$front_log" &
    FRONT_PID=$!
    bench_pids+=("$FRONT_PID")
    for _ in $(seq 1 100); do [ -s "$BENCH_TMP/front.port" ] && break; sleep 0.05; done
    [ -s "$BENCH_TMP/front.port" ] || { log "stalls: the front did not start"; cat "$front_log" >&2; return 1; }

    config="$BENCH_TMP/stalls-$side.toml"
    watcher_s3_config "$config" "$(cat "$BENCH_TMP/front.port")" bench-stalls "$BENCH_TMP/stalls-state-$side" 'scan = "none"'
    sync
    t=$(seconds watcher_push "$config" "$top") || { log "stalls: push with $side held failed"; return 1; }
    local resends
    resends=$(grep -c "retrying" "$BENCH_TMP/last.log" || true)
    stop_pid "$FRONT_PID"

    # Checked behind the front's back: the bucket as s3rver holds it.
    check="$BENCH_TMP/stalls-check-$side.toml"
    watcher_s3_config "$check" "$S3_PORT" bench-stalls "$BENCH_TMP/stalls-check-state-$side" 'scan = "none"'
    "$WATCHER" --config "$check" verify >"$BENCH_TMP/stalls-verify-$side.log" 2>&1 \
      || { log "stalls: verify after the push with $side held found problems"; tail "$BENCH_TMP/stalls-verify-$side.log" >&2; return 1; }
    log "stalls: share $side held: ${t}s, $(cat "$front_log"), $resends resends logged; verify clean (load $(load))"
    notes+="${notes:+; }share $side: ${t}s, $(sed 's/^stall front: //' "$front_log"), $resends retries logged"
    if [ "$side" = 0 ]; then t_clear=$t; else t_stalled=$t; fi
    stop_pid "$S3RVER_PID"
    rm -rf "$BENCH_TMP/s3rver"
  done
  result "push to S3 with $(python3 -c "print(f'{$share * 100:.0f}')") % of requests held, throughput vs none held" \
    "$(ratio "$t_clear" "$t_stalled")" "" "-" "info" "$paths paths through bench/stall_front.py, verify clean after each; $notes"
}
