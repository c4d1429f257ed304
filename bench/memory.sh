#!/usr/bin/env bash
# Memory and idle cost: peak RSS of `nix-watcher push` sending one 2 GiB NAR to S3 (s3rver), and the RSS and CPU
# time of an idle `nix-watcher run` over two minutes (quiet windows only), also while its metrics are scraped.

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
  result "peak RSS, ${gib} GiB NAR to S3 (s3rver)" "$rss" "MB" "≤ 100 MB" "$(le "$rss" 100)" "nix-watcher push, ${seconds}s"

  idle_run "" "nix-watcher run"
  result "idle RSS (nix-watcher run)" "$rss_idle" "MB" "≤ 40 MB" "$(le "$rss_idle" 40)" "after ${IDLE_SETTLE:-75} s + ${IDLE_SECONDS:-120} s, metrics served"
  result "idle CPU per minute" "$cpu_minute" "s" "≤ 0.05 s" "$(le "$cpu_minute" 0.05)" "$idle_note"
  idle_run scrape "scraped every 15 s"
  result "idle RSS, /metrics scraped every 15 s" "$rss_idle" "MB" "≤ 50 MB" "$(le "$rss_idle" 50)" "CPU ${cpu_minute} s/min; $idle_note"
}

# idle_run MODE LABEL: an idle `nix-watcher run` watching the store with nothing to do and serving metrics (MODE
# scrape: fetched every 15 s, as a Prometheus would); sets rss_idle, cpu_minute and idle_note. Builds by other
# processes wake it, so only quiet 10 s windows count.
idle_run() {
  local mode=$1 label=$2 dir="$BENCH_TMP/idle-$RANDOM" quiet busy url scraper=""
  mkdir -p "$dir"
  watcher_config "$dir/config.toml" "$dir/cache" "$dir/state" </dev/null
  sed -i 's/^listen = ""$/listen = "127.0.0.1:0"/' "$dir/config.toml"
  start_daemon "$dir/config.toml" "$dir/daemon.log"
  if [ "$mode" = scrape ]; then
    for _ in $(seq 1 100); do
      url=$(grep -oE 'serving metrics on [^ ]+' "$dir/daemon.log" | awk '{print $4}' || true)
      [ -n "$url" ] && break
      sleep 0.1
    done
    while sleep 15; do curl -fsS "$url" >/dev/null || true; done &
    scraper=$!
  fi
  sleep "${IDLE_SETTLE:-75}"
  read -r rss_idle cpu_minute quiet busy < <(python3 "$bench_root/procstat.py" idle "$DAEMON_PID" "$dir/cache" "${IDLE_SECONDS:-120}")
  [ -n "$scraper" ] && stop_pid "$scraper"
  stop_pid "$DAEMON_PID"
  idle_note="CPU over ${quiet} s of quiet 10 s windows; $busy windows skipped (other processes' builds pushed)"
  log "memory: idle ($label) RSS ${rss_idle} MB, ${cpu_minute} s CPU per minute; $idle_note (load $(load))"
}
