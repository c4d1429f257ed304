#!/usr/bin/env bash
# Memory and idle cost: peak RSS of `nix-watcher push` sending one 2 GiB NAR to S3 (s3rver), and the RSS and CPU
# time of an idle `nix-watcher run` over one minute.

bench_memory() {
  local gib=${MEMORY_NAR_GIB:-2} big rss note config state_dir
  log "memory: writing a ${gib} GiB file and adding it to the store"
  head -c "$((gib * 1024))M" /dev/urandom >"$BENCH_TMP/big.bin"
  big=$(nix-store --add "$BENCH_TMP/big.bin")
  rm -f "$BENCH_TMP/big.bin"
  nix-store --add-root "$BENCH_TMP/gcroots/big" --indirect --realise "$big" >/dev/null
  bench_roots+=("$big")

  start_s3rver bench-memory
  config="$BENCH_TMP/memory-s3.toml"
  watcher_s3_config "$config" "$S3_PORT" bench-memory "$BENCH_TMP/memory-state" 'scan = "none"'
  /usr/bin/time -f "%M %e" -o "$BENCH_TMP/memory.time" "$WATCHER" --config "$config" push "$big" >"$BENCH_TMP/memory.log" 2>&1 \
    || { log "memory: push failed"; tail "$BENCH_TMP/memory.log" >&2; return 1; }
  read -r rss seconds <"$BENCH_TMP/memory.time"
  rss=$((rss / 1024))
  log "memory: pushed ${gib} GiB to s3rver in ${seconds}s, peak RSS ${rss} MB (load $(load))"
  stop_pid "$S3RVER_PID"
  rm -rf "$BENCH_TMP/s3rver"
  result "peak RSS, ${gib} GiB NAR to S3 (s3rver)" "$rss" "MB" "≤ 150 MB" "$(le "$rss" 150)" "nix-watcher push, ${seconds}s"

  # Idle: the daemon watching the store with nothing to do. Builds by other processes would wake it, so the
  # number of paths it pushed during the window is reported with the figure.
  state_dir="$BENCH_TMP/idle-state"
  watcher_config "$BENCH_TMP/idle.toml" "$BENCH_TMP/idle-cache" "$state_dir" </dev/null
  start_daemon "$BENCH_TMP/idle.toml" "$BENCH_TMP/idle.log"
  sleep "${IDLE_SETTLE:-15}"
  local before after rss_idle cpu_minute
  before=$(find "$BENCH_TMP/idle-cache" -name '*.narinfo' 2>/dev/null | wc -l)
  read -r rss_idle cpu_minute < <(python3 "$bench_root/procstat.py" idle "$DAEMON_PID" 60)
  after=$(find "$BENCH_TMP/idle-cache" -name '*.narinfo' 2>/dev/null | wc -l)
  stop_pid "$DAEMON_PID"
  note="$((after - before)) paths pushed during the minute (store activity of other processes)"
  log "memory: idle RSS ${rss_idle} MB, ${cpu_minute}s CPU in 60 s; $note (load $(load))"
  result "idle RSS (nix-watcher run)" "$rss_idle" "MB" "≤ 80 MB" "$(le "$rss_idle" 80)" "after ${IDLE_SETTLE:-15}s + 60s idle"
  result "idle CPU per minute" "$cpu_minute" "s" "≤ 0.05 s" "$(le "$cpu_minute" 0.05)" "$note"
}
