#!/usr/bin/env bash
# Home uplink: a 64 MiB incompressible NAR pushed by one `nix-watcher push` to two S3 caches at once, one with
# `max-upload-rate = "4 MiB/s"` in its table and one without, through bench/stall_front.py (holding nothing), which
# notes when each NAR byte arrives. The figures: the limited cache's NAR bytes over the time from the first to the
# last (target 3.6–4.0 MiB/s), and the unlimited cache's rate as a ratio to its rate in a control push, where the
# other cache has no limit either (both pushes stage and compress the NAR twice, so only the limit differs).

bench_uplink() {
  local top front_log nars config state rate control beside dir="$BENCH_TMP/uplink"
  mkdir -p "$dir"
  random_path uplink 64
  top=$RANDOM_PATH

  start_s3rver uplink-control uplink-other uplink-free uplink-limited
  for run in control beside; do
    front_log="$dir/front-$run.log"
    nars="$dir/nars-$run.json"
    rm -f "$dir/front.port"
    python3 "$bench_root/stall_front.py" "$S3_PORT" 0 1 "$dir/front.port" "$nars" 2>"$front_log" &
    FRONT_PID=$!
    bench_pids+=("$FRONT_PID")
    for _ in $(seq 1 100); do [ -s "$dir/front.port" ] && break; sleep 0.05; done
    [ -s "$dir/front.port" ] || { log "uplink: the front did not start"; cat "$front_log" >&2; return 1; }

    config="$dir/$run.toml"
    state="$dir/state-$run"
    if [ "$run" = control ]; then
      uplink_config "$config" "$state" "$(cat "$dir/front.port")" uplink-control "" uplink-other ""
    else
      uplink_config "$config" "$state" "$(cat "$dir/front.port")" uplink-free "" \
        uplink-limited 'max-upload-rate = "4 MiB/s"'
    fi
    local t
    t=$(seconds watcher_push "$config" "$top") || { log "uplink: push ($run) failed"; stop_pid "$FRONT_PID"; return 1; }
    stop_pid "$FRONT_PID"
    [ -s "$nars" ] || { log "uplink: the front noted no NAR bodies ($run)"; return 1; }
    log "uplink: $run: push ${t}s; NAR bodies at the front: $(cat "$nars") (load $(load))"
  done
  stop_pid "$S3RVER_PID"
  rm -rf "$BENCH_TMP/s3rver"

  rate=$(nar_rate "$dir/nars-beside.json" uplink-limited)
  control=$(nar_rate "$dir/nars-control.json" uplink-control)
  beside=$(nar_rate "$dir/nars-beside.json" uplink-free)
  result "64 MiB incompressible NAR to s3rver, max-upload-rate = \"4 MiB/s\": arrival rate" "$rate" "MiB/s" "3.6–4.0" \
    "$(python3 -c "import sys; print('pass' if 3.6 <= float(sys.argv[1]) <= 4.0 else 'FAIL')" "$rate")" \
    "NAR bytes over first to last arrival at bench/stall_front.py; pushed at once with an unlimited cache"
  result "the unlimited cache beside it: rate vs beside an unlimited one" "$(ratio "$beside" "$control")" "" "≥ 0.8" "$(ge "$(ratio "$beside" "$control")" 0.8)" \
    "${beside} MiB/s beside the limited cache, ${control} MiB/s beside an unlimited one (loopback, one front for both)"
}

# uplink_config FILE STATE PORT BUCKET EXTRA [BUCKET EXTRA]: a config with an s3 cache per BUCKET at PORT, each with
# the TOML lines EXTRA in its table.
uplink_config() {
  local file=$1 state=$2 port=$3
  shift 3
  {
    printf 'state-dir = "%s"\n[watch]\nscan = "none"\n[metrics]\nlisten = ""\n' "$state"
    while [ $# -gt 0 ]; do
      printf '[caches.%s]\ntype = "s3"\nbucket = "%s"\nendpoint = "http://127.0.0.1:%s"\nregion = "us-east-1"\n' "$1" "$1" "$port"
      printf 'signing-key-file = "%s"\ncompression = "zstd"\ncompression-level = %s\n%s\n' "$BENCH_TMP/signing.key" "$ZSTD_LEVEL" "$2"
      shift 2
    done
  } >"$file"
}

# nar_rate FILE BUCKET: the MiB/s at which BUCKET's NAR bodies arrived, from the front's NAR_FILE.
nar_rate() {
  python3 -c "import json, sys; e = json.load(open(sys.argv[1]))[sys.argv[2]]; print(f\"{e['bytes'] / e['seconds'] / 2**20:.2f}\")" "$1" "$2"
}
