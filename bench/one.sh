#!/usr/bin/env bash
# One path already in the cache: the wall time of pushing it again, `nix-watcher push` against `nix copy`, each to
# its own file:// cache that already holds it (both ask their cache and upload nothing). This is mostly start-up.
# Best of $ONE_REPEAT runs (default 9) per side, sides alternating.

bench_one() {
  local top dir best_nix="" best_watcher="" t i repeat=${ONE_REPEAT:-9}
  top=$(root_of bench-one 0)
  dir="$BENCH_TMP/one"
  mkdir -p "$dir/nix" "$dir/watcher"
  # The config is written once: each timed run is the one process of each tool.
  watcher_config "$dir/watcher/config.toml" "$dir/watcher/cache" "$dir/watcher/state" </dev/null
  nix_copy_file "$top" "" "$dir/nix/cache" >/dev/null 2>&1 || { log "one: first nix copy failed"; return 1; }
  watcher_push "$dir/watcher/config.toml" "$top" >/dev/null 2>&1 || { log "one: first nix-watcher push failed"; return 1; }
  for i in $(seq 1 "$repeat"); do
    t=$(seconds nix_copy_file "$top" "" "$dir/nix/cache") || return 1
    best_nix=$(python3 -c "import sys; print(min(float(x) for x in sys.argv[1:]))" $best_nix "$t")
    t=$(seconds watcher_push "$dir/watcher/config.toml" "$top") || return 1
    best_watcher=$(python3 -c "import sys; print(min(float(x) for x in sys.argv[1:]))" $best_watcher "$t")
  done
  grep -q "0 pushed, 1 already present" "$BENCH_TMP/last.log" \
    || { log "one: the last push was not 'already present':"; cat "$BENCH_TMP/last.log" >&2; return 1; }
  log "one: nix copy ${best_nix}s, nix-watcher push ${best_watcher}s (load $(load))"
  rm -rf "$dir"
  result "one path already in the cache: wall time" "$best_watcher" "s" "≤ nix copy" "$(le "$best_watcher" "$best_nix")" \
    "nix copy ${best_nix}s; best of $repeat each"
}
