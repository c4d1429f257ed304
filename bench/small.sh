#!/usr/bin/env bash
# Many small paths: the closure of 5,000 tiny store paths (+ the root listing them) to a fresh file:// cache
# with zstd: `nix-watcher push` against `nix copy`, in paths per second.

bench_small() {
  local n=${SMALL_PATHS:-5000} root paths t_nix t_watcher config
  root=$(root_of "bench-small-$n" "$n")
  paths=$(nix-store -qR "$root" | wc -l)
  t_nix=$(seconds nix_copy_file "$root" "$BENCH_TMP/small-nix")
  log "small: nix copy ${t_nix}s (load $(load))"
  rm -rf "$BENCH_TMP/small-nix"
  config="$BENCH_TMP/small.toml"
  watcher_config "$config" "$BENCH_TMP/small-watcher" "$BENCH_TMP/small-state" </dev/null
  t_watcher=$(seconds watcher_push "$config" "$root")
  log "small: nix-watcher push ${t_watcher}s (load $(load)): $(tail -1 "$BENCH_TMP/last.log")"
  rm -rf "$BENCH_TMP/small-watcher" "$BENCH_TMP/small-state"
  local speedup
  speedup=$(ratio "$t_nix" "$t_watcher")
  result "small paths: nix-watcher vs nix copy" "${speedup}x" "" "≥ 3x" "$(ge "$speedup" 3)" \
    "$paths paths: $(python3 -c "print(f'{$paths / $t_watcher:.0f}')") vs $(python3 -c "print(f'{$paths / $t_nix:.0f}')") paths/s"
}
