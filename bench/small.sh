#!/usr/bin/env bash
# Many small paths: the closure of 5,000 tiny store paths (+ the root listing them) to a fresh file:// cache
# with zstd: `nix-watcher push` against `nix copy`, in paths per second (best of $REPEAT runs, default 2).

bench_small() {
  local n=${SMALL_PATHS:-5000} top paths t_nix t_watcher repeat=${REPEAT:-2}
  top=$(root_of "bench-small-$n" "$n")
  paths=$(nix-store -qR "$top" | wc -l)
  t_nix=$(best_of "$repeat" nix_copy_file "$top" "")
  log "small: nix copy ${t_nix}s (load $(load))"
  t_watcher=$(best_of "$repeat" watcher_push_file "$top")
  log "small: nix-watcher push ${t_watcher}s (load $(load)): $(tail -1 "$BENCH_TMP/last.log")"
  rm -rf "$BENCH_TMP/runs"
  local speedup
  speedup=$(ratio "$t_nix" "$t_watcher")
  result "small paths: nix-watcher vs nix copy" "${speedup}x" "" "≥ 2x (3x stretch)" "$(ge "$speedup" 2)" \
    "$paths paths: $(python3 -c "print(f'{$paths / $t_watcher:.0f}')") vs $(python3 -c "print(f'{$paths / $t_nix:.0f}')") paths/s (${t_watcher}s vs ${t_nix}s)"

  # The same with both caches in memory (/dev/shm): what is left when the file system costs nothing.
  local shm="/dev/shm/nix-watcher-bench-$$"
  t_nix=$(RUNS_DIR=$shm best_of "$repeat" nix_copy_file "$top" "")
  t_watcher=$(RUNS_DIR=$shm best_of "$repeat" watcher_push_file "$top")
  rm -rf "$shm"
  log "small (tmpfs): nix copy ${t_nix}s, nix-watcher push ${t_watcher}s (load $(load))"
  result "small paths, caches on tmpfs" "$(ratio "$t_nix" "$t_watcher")x" "" "-" "info" "${t_watcher}s vs ${t_nix}s"
}
