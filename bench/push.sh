#!/usr/bin/env bash
# Push throughput: the .NET installation plus 300 small paths to a fresh file:// cache with zstd (same level):
# `nix-watcher push` against `nix copy` (single-threaded zstd, Nix's default, and parallel-compression=true),
# and against `zstd -T2` alone on the concatenated NARs of the same closure (the compression bound).

bench_push() {
  local big root paths nar_bytes t_nix t_nixpar t_watcher t_zstd config
  big=$(large_tree)
  root=$(root_of bench-push 300 "$big")
  paths=$(nix-store -qR "$root" | wc -l)
  log "push: closure of $paths paths; dumping its NARs for zstd and to warm the page cache"
  nix-store -qR "$root" | while read -r p; do nix-store --dump "$p"; done >"$BENCH_TMP/closure.nar"
  nar_bytes=$(stat -c %s "$BENCH_TMP/closure.nar")

  t_zstd=$(seconds zstd -q -T2 -$ZSTD_LEVEL -f "$BENCH_TMP/closure.nar" -o "$BENCH_TMP/closure.nar.zst")
  log "push: zstd -T2 -$ZSTD_LEVEL ${t_zstd}s (load $(load))"
  rm -f "$BENCH_TMP/closure.nar" "$BENCH_TMP/closure.nar.zst"

  t_nix=$(seconds nix_copy_file "$root" "$BENCH_TMP/push-nix")
  log "push: nix copy ${t_nix}s (load $(load))"
  rm -rf "$BENCH_TMP/push-nix"
  t_nixpar=$(seconds nix_copy_file "$root" "$BENCH_TMP/push-nixpar" "&parallel-compression=true")
  log "push: nix copy parallel-compression ${t_nixpar}s (load $(load))"
  rm -rf "$BENCH_TMP/push-nixpar"

  config="$BENCH_TMP/push.toml"
  watcher_config "$config" "$BENCH_TMP/push-watcher" "$BENCH_TMP/push-state" </dev/null
  t_watcher=$(seconds watcher_push "$config" "$root")
  log "push: nix-watcher push ${t_watcher}s (load $(load)): $(tail -1 "$BENCH_TMP/last.log")"
  local narinfos
  narinfos=$(find "$BENCH_TMP/push-watcher" -maxdepth 1 -name '*.narinfo' | wc -l)
  [ "$narinfos" -eq "$paths" ] || { log "push: expected $paths narinfos, found $narinfos"; return 1; }
  rm -rf "$BENCH_TMP/push-watcher" "$BENCH_TMP/push-state"

  local mbs speedup
  mbs=$(python3 -c "print(f'{$nar_bytes / $t_watcher / 1e6:.0f}')")
  speedup=$(ratio "$t_nix" "$t_watcher")
  result "push: nix-watcher vs nix copy (zstd -$ZSTD_LEVEL)" "${speedup}x" "" "≥ 2.5x" "$(ge "$speedup" 2.5)" \
    "$paths paths, $((nar_bytes / 1000000)) MB NAR; watcher ${t_watcher}s (${mbs} MB/s), nix copy ${t_nix}s"
  result "push: vs nix copy parallel-compression=true" "$(ratio "$t_nixpar" "$t_watcher")x" "" "-" "info" "nix copy ${t_nixpar}s"
  result "push: share of zstd -T2 speed on the same NARs" "$(ratio "$t_zstd" "$t_watcher")" "" "→ 1" "info" \
    "zstd -T2 -$ZSTD_LEVEL alone ${t_zstd}s"
}
