#!/usr/bin/env bash
# Push throughput: the .NET installation plus 300 small paths to a fresh file:// cache with zstd (same level):
# `nix-watcher push` against `nix copy` (single-threaded zstd, Nix's default, and parallel-compression=true),
# and against `zstd -T2` alone on the concatenated NARs of the same closure (the compression bound).
# Best of $REPEAT runs (default 2) per side, sides alternating.

bench_push() {
  local big top paths nar_bytes t_nix t_nixpar t_watcher t_zstd repeat=${REPEAT:-2}
  large_tree
  big=$LARGE_TREE
  top=$(root_of bench-push 300 "$big")
  bench_roots+=("$top")
  paths=$(nix-store -qR "$top" | wc -l)
  log "push: closure of $paths paths; dumping its NARs for zstd and to warm the page cache"
  nix-store -qR "$top" | while read -r p; do nix-store --dump "$p"; done >"$BENCH_TMP/closure.nar"
  nar_bytes=$(stat -c %s "$BENCH_TMP/closure.nar")
  t_zstd=$(best_of "$repeat" zstd -q -T2 -$ZSTD_LEVEL -f "$BENCH_TMP/closure.nar" -o)
  log "push: zstd -T2 -$ZSTD_LEVEL ${t_zstd}s (load $(load))"
  rm -rf "$BENCH_TMP/closure.nar" "$BENCH_TMP/runs"

  t_nix=$(best_of "$repeat" nix_copy_file "$top" "")
  log "push: nix copy ${t_nix}s (load $(load))"
  t_watcher=$(best_of "$repeat" watcher_push_file "$top")
  log "push: nix-watcher push ${t_watcher}s (load $(load)): $(tail -1 "$BENCH_TMP/last.log")"
  t_nixpar=$(best_of "$repeat" nix_copy_file "$top" "&parallel-compression=true")
  log "push: nix copy parallel-compression ${t_nixpar}s (load $(load))"

  # The cache is complete and its large NAR decompresses to exactly what nix-store --dump gives.
  local cache narinfos largest
  cache=$(ls -d "$BENCH_TMP"/runs/*/cache | tail -1)
  narinfos=$(find "$cache" -maxdepth 1 -name '*.narinfo' | wc -l)
  largest=$(ls -S "$cache"/nar/*.nar.zst | head -1)
  [ "$narinfos" -eq "$paths" ] || { log "push: expected $paths narinfos, found $narinfos"; return 1; }
  [ "$(zstd -dc "$largest" | sha256sum)" = "$(nix-store --dump "$big" | sha256sum)" ] \
    || { log "push: $largest does not decompress to the NAR of $big"; return 1; }
  rm -rf "$BENCH_TMP/runs"

  local mbs speedup
  mbs=$(python3 -c "print(f'{$nar_bytes / $t_watcher / 1e6:.0f}')")
  speedup=$(ratio "$t_nix" "$t_watcher")
  result "push: nix-watcher vs nix copy (zstd -$ZSTD_LEVEL)" "${speedup}x" "" "≥ 2.5x" "$(ge "$speedup" 2.5)" \
    "$paths paths, $((nar_bytes / 1000000)) MB of NAR: watcher ${t_watcher}s (${mbs} MB/s), nix copy ${t_nix}s"
  result "push: vs nix copy parallel-compression=true" "$(ratio "$t_nixpar" "$t_watcher")x" "" "-" "info" "nix copy ${t_nixpar}s"
  local vs_zstd
  vs_zstd=$(ratio "$t_zstd" "$t_watcher")
  result "push: nix-watcher speed / zstd -T2 speed (same NARs)" "$vs_zstd" "" "≥ 0.9" "$(ge "$vs_zstd" 0.9)" \
    "zstd -T2 -$ZSTD_LEVEL alone ${t_zstd}s; 2.5x nix copy would be $(python3 -c "print(f'{$t_nix / 2.5:.2f}')")s"
}
