#!/usr/bin/env bash
# Hostile network: the push of bench/push.sh's closure (the .NET tree and 300 small paths) to an s3rver bucket, and to
# an Attic server (bench/attic_server.py), through a front (bench/stall_front.py) that forwards every request, once
# holding none and once holding a share (default 10 %) of them unanswered for 300 s. The figure is the throughput with
# stalls as a ratio to the throughput without, each the median of STALL_RUNS runs (default 3). `nix-watcher verify`
# then checks the bucket (every NAR a narinfo names is there with its size); the Attic server counts the paths it
# holds, which must be the whole closure.

# start_front UPSTREAM_PORT SHARE LOG: starts bench/stall_front.py before UPSTREAM_PORT; sets FRONT_PID and FRONT_PORT.
start_front() {
  rm -f "$BENCH_TMP/front.port"
  python3 "$bench_root/stall_front.py" "$1" "$2" 1 "$BENCH_TMP/front.port" 2>"$3" &
  FRONT_PID=$!
  bench_pids+=("$FRONT_PID")
  for _ in $(seq 1 100); do [ -s "$BENCH_TMP/front.port" ] && break; sleep 0.05; done
  [ -s "$BENCH_TMP/front.port" ] || { log "stalls: the front did not start"; cat "$3" >&2; return 1; }
  FRONT_PORT=$(cat "$BENCH_TMP/front.port")
}

# stalls_s3 SIDE TOP: pushes TOP to a fresh s3rver bucket through a front holding the share SIDE; sets STALL_T and STALL_NOTE.
stalls_s3() {
  local side=$1 top=$2 config check front_log="$BENCH_TMP/front-s3-$1.log" resends
  start_s3rver bench-stalls
  start_front "$S3_PORT" "$side" "$front_log" || return 1
  config="$BENCH_TMP/stalls-$side.toml"
  watcher_s3_config "$config" "$FRONT_PORT" bench-stalls "$BENCH_TMP/stalls-state-$side" 'scan = "none"'
  sync
  STALL_T=$(seconds watcher_push "$config" "$top") || { log "stalls: push to S3 with $side held failed"; return 1; }
  resends=$(grep -c "retrying" "$BENCH_TMP/last.log" || true)
  stop_pid "$FRONT_PID"

  # Checked behind the front's back: the bucket as s3rver holds it.
  check="$BENCH_TMP/stalls-check-$side.toml"
  watcher_s3_config "$check" "$S3_PORT" bench-stalls "$BENCH_TMP/stalls-check-state-$side" 'scan = "none"'
  "$WATCHER" --config "$check" verify >"$BENCH_TMP/stalls-verify-$side.log" 2>&1 \
    || { log "stalls: verify after the push with $side held found problems"; tail "$BENCH_TMP/stalls-verify-$side.log" >&2; return 1; }
  STALL_NOTE="S3 share $side: ${STALL_T}s, $(sed 's/^stall front: //' "$front_log"), $resends retries logged"
  log "stalls: $STALL_NOTE; verify clean (load $(load))"
  stop_pid "$S3RVER_PID"
  rm -rf "$BENCH_TMP/s3rver"
}

# stalls_attic SIDE TOP PATHS: pushes TOP to a fresh bench/attic_server.py through a front holding the share SIDE; the
# server must then hold all PATHS paths. Sets STALL_T and STALL_NOTE.
stalls_attic() {
  local side=$1 top=$2 paths=$3 config front_log="$BENCH_TMP/front-attic-$1.log" server_log="$BENCH_TMP/attic-$1.log" held resends
  rm -f "$BENCH_TMP/attic.port"
  python3 "$bench_root/attic_server.py" bench "$BENCH_TMP/attic.port" 2>"$server_log" &
  local server=$!
  bench_pids+=("$server")
  for _ in $(seq 1 100); do [ -s "$BENCH_TMP/attic.port" ] && break; sleep 0.05; done
  [ -s "$BENCH_TMP/attic.port" ] || { log "stalls: the attic server did not start"; cat "$server_log" >&2; return 1; }
  start_front "$(cat "$BENCH_TMP/attic.port")" "$side" "$front_log" || return 1
  printf 'bench-token\n' >"$BENCH_TMP/attic.token"
  chmod 600 "$BENCH_TMP/attic.token"
  config="$BENCH_TMP/stalls-attic-$side.toml"
  cat >"$config" <<EOF
state-dir = "$BENCH_TMP/stalls-attic-state-$side"

[watch]
scan = "none"

[caches.attic]
type = "attic"
endpoint = "http://127.0.0.1:$FRONT_PORT/"
cache = "bench"
token-file = "$BENCH_TMP/attic.token"

[metrics]
listen = ""
EOF
  sync
  STALL_T=$(seconds watcher_push "$config" "$top") || { log "stalls: push to Attic with $side held failed"; return 1; }
  resends=$(grep -c "retrying" "$BENCH_TMP/last.log" || true)
  stop_pid "$FRONT_PID"
  stop_pid "$server"
  held=$(grep -oE '^attic server: [0-9]+ paths' "$server_log" | grep -oE '[0-9]+' || echo 0)
  [ "$held" = "$paths" ] || { log "stalls: the attic server holds $held of $paths paths after the push with $side held"; cat "$server_log" >&2; return 1; }
  STALL_NOTE="Attic share $side: ${STALL_T}s, $(sed 's/^stall front: //' "$front_log"), $resends retries logged"
  log "stalls: $STALL_NOTE; the server holds all $paths paths (load $(load))"
}

bench_stalls() {
  local share=${STALL_SHARE:-0.1} runs=${STALL_RUNS:-3} top paths backend side run times t t_clear t_stalled notes percent
  large_tree
  top=$(root_of bench-stalls 300 "$LARGE_TREE")
  bench_roots+=("$top")
  paths=$(nix-store -qR "$top" | wc -l)
  percent=$(python3 -c "print(f'{$share * 100:.0f}')")
  for backend in s3 attic; do
    t_clear="" t_stalled="" notes=""
    for side in 0 "$share"; do
      # The median of a few runs: which requests the front holds varies with their order, and a held large upload
      # costs the whole stall timeout (30 s), so one run alone says more about luck than about the pusher.
      times=()
      for run in $(seq 1 "$runs"); do
        "stalls_$backend" "$side" "$top" "$paths" || return 1
        times+=("$STALL_T")
        notes+="${notes:+; }run $run: $STALL_NOTE"
      done
      t=$(python3 -c "import statistics, sys; print(statistics.median(float(x) for x in sys.argv[1:]))" "${times[@]}")
      if [ "$side" = 0 ]; then t_clear=$t; else t_stalled=$t; fi
    done
    if [ "$backend" = s3 ]; then
      result "push to S3 with $percent % of requests held, throughput vs none held (median of $runs)" \
        "$(ratio "$t_clear" "$t_stalled")" "" "-" "info" "$paths paths through bench/stall_front.py, verify clean after each; $notes"
    else
      result "push to Attic with $percent % of requests held, throughput vs none held (median of $runs)" \
        "$(ratio "$t_clear" "$t_stalled")" "" "≥ 0.4" "$(ge "$(ratio "$t_clear" "$t_stalled")" 0.4)" \
        "$paths paths through bench/stall_front.py to bench/attic_server.py, all held by it after each; $notes"
    fi
  done
}
