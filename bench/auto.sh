#!/usr/bin/env bash
# max-upload-rate = "auto" yielding to people: a front (bench/uplink_front.py) models a home uplink of 4 MiB/s with a
# 1 s buffer in front of s3rver; a foreground request (bench/foreground.py) goes through it every 100 ms, first with
# Watcher idle, then while `nix-watcher push` sends a 256 MiB incompressible NAR through it with
# `max-upload-rate = "auto"`. The figures: the foreground's median round trip while Watcher pushes, over the idle one
# (target: within 100 ms), and Watcher's share of the link (its upload bytes over the time they took, target ≥ 60 %).
# AUTO_BASELINE=1 also pushes with no limit, to show what the foreground suffers then.

AUTO_RATE=$((4 << 20))

bench_auto() {
  local big dir="$BENCH_TMP/auto" idle busy share mode runs="auto"
  [ -n "${AUTO_BASELINE:-}" ] && runs="auto off"
  mkdir -p "$dir"
  random_path auto 256
  big=$RANDOM_PATH

  start_s3rver auto-auto auto-off
  for mode in $runs; do
    auto_push "$dir" "$big" "$mode" || return 1
  done
  stop_pid "$S3RVER_PID"
  rm -rf "$BENCH_TMP/s3rver"

  idle=$(json_field "$dir/idle-auto.json" median)
  busy=$(json_field "$dir/busy-auto.json" median)
  share=$(python3 -c "import json, sys; e = json.load(open(sys.argv[1])); print(f\"{e['bytes'] / e['seconds'] / $AUTO_RATE:.2f}\")" "$dir/link-auto.json")
  local extra=""
  [ -n "${AUTO_BASELINE:-}" ] && extra="; with no limit: $(json_field "$dir/busy-off.json" median) ms (p95 $(json_field "$dir/busy-off.json" p95) ms)"
  result "auto: foreground round trip while pushing 256 MiB, over idle" \
    "$(python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):.0f}')" "$busy" "$idle")" "ms" "≤ 100" \
    "$(le "$(python3 -c "import sys; print(float(sys.argv[1]) - float(sys.argv[2]))" "$busy" "$idle")" 100)" \
    "median ${busy} ms (p95 $(json_field "$dir/busy-auto.json" p95) ms) against ${idle} ms idle, a request every 100 ms through a 4 MiB/s uplink with a 1 s buffer (bench/uplink_front.py)$extra"
  result "auto: Watcher's share of that uplink" "$share" "" "≥ 0.60" "$(ge "$share" 0.6)" \
    "upload bytes over the time from their first to their last leaving the modelled buffer"
}

# auto_push DIR PATH MODE: the idle and busy foreground measurements around one push of PATH with max-upload-rate MODE.
auto_push() {
  local dir=$1 big=$2 mode=$3 port fg t
  rm -f "$dir/front.port"
  python3 "$bench_root/uplink_front.py" "$S3_PORT" "$AUTO_RATE" 1 "$dir/front.port" "$dir/link-$mode.json" 2>"$dir/front-$mode.log" &
  local front=$!
  bench_pids+=("$front")
  for _ in $(seq 1 100); do [ -s "$dir/front.port" ] && break; sleep 0.05; done
  [ -s "$dir/front.port" ] || { log "auto: the front did not start"; cat "$dir/front-$mode.log" >&2; return 1; }
  port=$(cat "$dir/front.port")
  python3 "$bench_root/foreground.py" "$port" 10 >"$dir/idle-$mode.json"

  cat >"$dir/$mode.toml" <<TOML
max-upload-rate = "$mode"
state-dir = "$dir/state-$mode"
[watch]
scan = "none"
[metrics]
listen = ""
[caches.s3]
type = "s3"
bucket = "auto-$mode"
endpoint = "http://127.0.0.1:$port"
region = "us-east-1"
signing-key-file = "$BENCH_TMP/signing.key"
compression = "zstd"
compression-level = $ZSTD_LEVEL
TOML
  python3 "$bench_root/foreground.py" "$port" 100000 >"$dir/busy-$mode.json" &
  fg=$!
  bench_pids+=("$fg")
  t=$(seconds watcher_push "$dir/$mode.toml" "$big") || { log "auto: push ($mode) failed"; return 1; }
  stop_pid "$fg"
  stop_pid "$front"
  log "auto: $mode: push ${t}s; foreground idle $(cat "$dir/idle-$mode.json"), busy $(cat "$dir/busy-$mode.json"); link $(cat "$dir/link-$mode.json") (load $(load))"
}

json_field() { python3 -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
