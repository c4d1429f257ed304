#!/usr/bin/env bash
# NAR + SHA-256 throughput on the large tree: Watcher's NarWriter (bench/narhash, built from src/Watcher/Nar)
# against `nix-store --dump | sha256sum`, both with a warm page cache, best of 3 each; the hashes must agree.

bench_nar() {
  local big out w_hash w_size w_time n_time n_hash best=
  large_tree
  big=$LARGE_TREE
  nix-store --dump "$big" >/dev/null
  out=$("$NAR_HASH" "$big" 3)
  read -r w_hash w_size w_time <<<"$out"
  for _ in 1 2 3; do
    n_time=$(seconds bash -c "nix-store --dump '$big' | sha256sum >'$BENCH_TMP/dump.sha'")
    best=$(python3 -c "print(min(float(x) for x in '$best $n_time'.split()))")
  done
  n_hash=$(cut -d' ' -f1 "$BENCH_TMP/dump.sha")
  [ "$n_hash" = "$w_hash" ] || { log "nar: hash mismatch: watcher $w_hash, nix-store --dump $n_hash"; return 1; }
  local gbs speedup
  gbs=$(python3 -c "print(f'{$w_size / $w_time / 1e9:.2f}')")
  speedup=$(ratio "$best" "$w_time")
  log "nar: watcher ${w_time}s, nix-store --dump | sha256sum ${best}s (load $(load))"
  result "NAR+sha256: NarWriter vs nix-store --dump | sha256sum" "${speedup}x" "" "≥ 4x" "$(ge "$speedup" 4)" \
    "$((w_size / 1000000)) MB; ${w_time}s vs ${best}s (best of 3, warm)"
  result "NAR+sha256: NarWriter throughput (warm)" "$gbs" "GB/s" "≥ 1 GB/s" "$(ge "$gbs" 1)" ""
}
