#!/usr/bin/env bash
# Cache maintenance: 20,000 small store paths (the closure of one root) pushed to an s3rver bucket, then
# `nix-watcher verify` and `nix-watcher gc --dry-run` over the bucket: wall time and peak RSS of each, beside
# `nix path-info -r --store URL` reading the same closure's narinfos over HTTP (the nearest thing Nix does).

bench_maintenance() {
  local n=${MAINTENANCE_PATHS:-20000} top paths config url line t rss t_nix
  top=$(root_of "bench-maintenance-$n" "$n")
  paths=$(nix-store -qR "$top" | wc -l)
  ln -sfn "$top" "$BENCH_TMP/gcroots/maintenance"
  start_s3rver bench-maintenance
  config="$BENCH_TMP/maintenance.toml"
  watcher_s3_config "$config" "$S3_PORT" bench-maintenance "$BENCH_TMP/maintenance-state" 'scan = "none"'
  log "maintenance: pushing $paths paths to s3rver first"
  watcher_push "$config" "$top" >"$BENCH_TMP/maintenance-push.log" 2>&1 \
    || { log "maintenance: push failed"; tail "$BENCH_TMP/maintenance-push.log" >&2; return 1; }

  for run in verify gc; do
    case $run in
      verify) set -- verify ;;
      gc) set -- gc --keep-days 2 --dry-run ;;
    esac
    /usr/bin/time -f "%M %e" -o "$BENCH_TMP/maintenance-$run.time" "$WATCHER" --config "$config" "$@" \
      >"$BENCH_TMP/maintenance-$run.log" 2>&1 || { log "maintenance: $* failed"; tail "$BENCH_TMP/maintenance-$run.log" >&2; return 1; }
    read -r rss t <"$BENCH_TMP/maintenance-$run.time"
    rss=$((rss / 1024))
    line=$(grep -E '^cache ' "$BENCH_TMP/maintenance-$run.log" | head -1)
    log "maintenance: $* ${t}s, peak RSS ${rss} MB: $line (load $(load))"
    result "nix-watcher $*, $paths paths in s3rver" "$t" "s" "-" "info" "peak RSS ${rss} MB; $line"
  done

  url="http://127.0.0.1:$S3_PORT/bench-maintenance"
  t_nix=$(seconds $NIX path-info -r --store "$url" --option narinfo-cache-negative-ttl 0 --option narinfo-cache-positive-ttl 0 "$top") \
    || { log "maintenance: nix path-info failed"; return 1; }
  log "maintenance: nix path-info -r over HTTP ${t_nix}s (load $(load))"
  result "nix path-info -r --store (same closure, over HTTP)" "$t_nix" "s" "-" "info" "reads every narinfo of the closure, checks nothing"
  stop_pid "$S3RVER_PID"
  rm -rf "$BENCH_TMP/s3rver"
}
