#!/usr/bin/env bash
# Many small paths: the closure of 5,000 tiny store paths (+ the root listing them) to a fresh file:// cache
# with zstd: `nix-watcher push` against `nix copy`, in paths per second (best of $REPEAT runs, default 2).

bench_small() {
  local n=${SMALL_PATHS:-5000} top paths t_nix t_watcher t_pgo repeat=${REPEAT:-2}
  top=$(root_of "bench-small-$n" "$n")
  paths=$(nix-store -qR "$top" | wc -l)
  t_nix=$(best_of "$repeat" nix_copy_file "$top" "")
  log "small: nix copy ${t_nix}s (load $(load))"
  t_watcher=$(best_of "$repeat" watcher_push_file "$top")
  log "small: nix-watcher push ${t_watcher}s (load $(load)): $(tail -1 "$BENCH_TMP/last.log")"
  t_pgo=$(WATCHER_ENV="DOTNET_TieredPGO=0" best_of "$repeat" watcher_push_file "$top")
  log "small: nix-watcher push with DOTNET_TieredPGO=0 ${t_pgo}s (load $(load))"
  rm -rf "$BENCH_TMP/runs"
  local speedup
  speedup=$(ratio "$t_nix" "$t_watcher")
  result "small paths: nix-watcher vs nix copy" "${speedup}x" "" "≥ 3x" "$(ge "$speedup" 3)" \
    "$paths paths: $(python3 -c "print(f'{$paths / $t_watcher:.0f}')") vs $(python3 -c "print(f'{$paths / $t_nix:.0f}')") paths/s (${t_watcher}s vs ${t_nix}s)"
  result "small paths: with DOTNET_TieredPGO=0" "$(ratio "$t_nix" "$t_pgo")x" "" "-" "info" \
    "$(python3 -c "print(f'{$paths / $t_pgo:.0f}')") paths/s (${t_pgo}s): the runtime setting recommended in this page"
}
