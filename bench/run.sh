#!/usr/bin/env bash
# Runs the benchmarks of docs/performance.md on this machine and prints a table of figures, targets and ratios.
#   bench/run.sh                  all of them (needs root or sudo for apt-get, like eng/run.sh)
#   bench/run.sh --only push,nar  a subset: push one nar small latency scan memory maintenance stalls uplink auto
#   BENCH_KEEP=1 bench/run.sh     keep the temp dir (logs, configs) for a look afterwards
# Timings never fail the script; it exits non-zero only when a measurement could not be made.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
all=(push one nar small latency scan memory maintenance stalls uplink auto)
only=("${all[@]}")
while [ $# -gt 0 ]; do
  case "$1" in
    --only) IFS=, read -r -a only <<<"$2"; shift 2 ;;
    -h|--help) sed -n 2,6p "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

source ./lib.sh
for name in "${all[@]}"; do
  # shellcheck source=/dev/null
  [ -f "./$name.sh" ] && source "./$name.sh"
done

bench_install
bench_setup
trap bench_cleanup EXIT
started=$(date -u +%FT%TZ)
log "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); load $(load)"
status=0
for name in "${only[@]}"; do
  case " ${all[*]} " in *" $name "*) ;; *) echo "no benchmark '$name' (have: ${all[*]})" >&2; exit 2 ;; esac
  log "== $name (load $(load))"
  "bench_$name" || { log "$name could not be measured"; status=1; }
done
python3 ./table.py "$BENCH_RESULTS" "$started" "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load at end $(load)" \
  "$(nix --version), $(dotnet --version 2>/dev/null | sed 's/^/.NET SDK /'), $(zstd --version | grep -oE 'v[0-9.]+' | head -1 | sed 's/^/zstd /')"
exit $status
