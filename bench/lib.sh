#!/usr/bin/env bash
# Shared by the bench/*.sh measurements (sourced by bench/run.sh): the temp layout, the tools, the store fixtures,
# the nix-watcher config and the result file. Everything lives under $BENCH_TMP and goes away at the end.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The repository root (eng/prereqs.sh uses the name too); the bench scripts call a closure's root `top`.
root=$(cd "$bench_root/.." && pwd)
# shellcheck source=../eng/prereqs.sh
source "$root/eng/prereqs.sh"

NIX="nix --extra-experimental-features nix-command"
# The native executable, as eng/run.sh and the flake ship it (eng/publish.sh).
WATCHER="$root/.artifacts/aot/nix-watcher"
NAR_HASH="$root/bench/narhash/bin/Release/net10.0/nar-hash"
S3RVER_JS="$root/tests/s3rver/node_modules/s3rver/bin/s3rver.js"
ZSTD_LEVEL=3
bench_pids=()
bench_roots=()

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }

load() { cut -d' ' -f1-3 /proc/loadavg; }

# result NAME VALUE UNIT TARGET VERDICT NOTE: one row of the final table (tab-separated).
result() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >>"$BENCH_RESULTS"
  log "RESULT $1 = $2 $3 (target $4: $5) $6"
}

# ratio A B: A/B with two decimals.  ge X Y / le X Y: "pass" or "FAIL".
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }
ge() { python3 -c "import sys; print('pass' if float(sys.argv[1]) >= float(sys.argv[2]) else 'FAIL')" "$1" "$2"; }
le() { python3 -c "import sys; print('pass' if float(sys.argv[1]) <= float(sys.argv[2]) else 'FAIL')" "$1" "$2"; }

# seconds CMD…: runs CMD (output to $BENCH_TMP/last.log) and prints its wall time in seconds.
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >"$BENCH_TMP/last.log" 2>&1 || { log "failed: $*"; tail -20 "$BENCH_TMP/last.log" >&2; return 1; }
  end=$(date +%s.%N)
  python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$start" "$end"
}

bench_install() {
  install_prereqs
  local missing=()
  command -v zstd >/dev/null 2>&1 || missing+=(zstd)
  [ -x /usr/bin/time ] || missing+=(time)
  command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  start_nix_daemon
  log "building nix-watcher (native, eng/publish.sh) and nar-hash (Release)"
  "$root/eng/publish.sh" "$(dirname "$WATCHER")" >/dev/null
  (cd "$root" && dotnet build -c Release bench/narhash -v q -nologo >/dev/null)
}

# Temp HOME/XDG dirs so nothing of the user is read or written; a signing key shared by both sides.
bench_setup() {
  BENCH_TMP=$(mktemp -d /tmp/nix-watcher-bench.XXXXXX)
  BENCH_RESULTS="$BENCH_TMP/results.tsv"
  : >"$BENCH_RESULTS"
  export HOME="$BENCH_TMP/home" XDG_CONFIG_HOME="$BENCH_TMP/home/.config" XDG_CACHE_HOME="$BENCH_TMP/home/.cache" \
    XDG_STATE_HOME="$BENCH_TMP/home/.local/state" XDG_DATA_HOME="$BENCH_TMP/home/.local/share"
  mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME" "$XDG_DATA_HOME" "$BENCH_TMP/gcroots"
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  $NIX key generate-secret --key-name bench-1 >"$BENCH_TMP/signing.key"
  chmod 600 "$BENCH_TMP/signing.key"
}

bench_cleanup() {
  local pid
  for pid in "${bench_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  stop_started_services
  # Big fixtures go back to the garbage collector: drop their roots and delete them if nothing else holds them.
  if [ "${#bench_roots[@]}" -gt 0 ]; then
    rm -f "$BENCH_TMP"/gcroots/*
    nix-store --delete "${bench_roots[@]}" >/dev/null 2>&1 || true
  fi
  # An if, not a && list: the trap's last status would become the script's exit code.
  if [ -n "${BENCH_TMP:-}" ] && [ -z "${BENCH_KEEP:-}" ]; then
    rm -rf "$BENCH_TMP"
  fi
}

# write_config FILE STATE_DIR WATCH CACHE: a nix-watcher config with state in STATE_DIR, the [watch] lines WATCH and
# the cache table CACHE, zstd at $ZSTD_LEVEL and signed with the run's key; metrics off.
write_config() {
  cat >"$1" <<EOF
state-dir = "$2"

[watch]
$3

$4
signing-key-file = "$BENCH_TMP/signing.key"
compression = "zstd"
compression-level = $ZSTD_LEVEL

[metrics]
listen = ""
EOF
}

# watcher_config FILE CACHE_DIR STATE_DIR: file cache CACHE_DIR, no start-up scan, plus any extra [watch] TOML on stdin.
watcher_config() {
  local extra
  extra=$(cat)
  write_config "$1" "$3" "scan = \"none\"
jobs = 4
$extra" "[caches.bench]
type = \"file\"
path = \"$2\""
}

# watcher_s3_config FILE PORT BUCKET STATE_DIR WATCH: an s3 cache for s3rver at PORT, bucket BUCKET (credentials from
# the environment), the [watch] lines WATCH.
watcher_s3_config() {
  write_config "$1" "$4" "$5" "[caches.s3]
type = \"s3\"
bucket = \"$3\"
endpoint = \"http://127.0.0.1:$2\"
region = \"us-east-1\""
}

# Starts s3rver on a free port with bucket BUCKET (and any more named after it); sets S3_PORT. Stopped by bench_cleanup.
start_s3rver() {
  local dir="$BENCH_TMP/s3rver" buckets=() bucket
  for bucket in "$@"; do buckets+=(--configure-bucket "$bucket"); done
  install_s3rver
  mkdir -p "$dir"
  # s3rver's ListObjectsV2 continuation tokens use DES, in OpenSSL 3's legacy provider (Node 17 and later).
  local legacy=""
  node --openssl-legacy-provider -e "" 2>/dev/null && legacy=--openssl-legacy-provider
  node $legacy "$S3RVER_JS" --directory "$dir" --address 127.0.0.1 --port 0 "${buckets[@]}" >"$BENCH_TMP/s3rver.log" 2>&1 &
  S3RVER_PID=$!
  bench_pids+=("$S3RVER_PID")
  for _ in $(seq 1 100); do
    S3_PORT=$(grep -oE 'listening on [^ ]+:[0-9]+' "$BENCH_TMP/s3rver.log" | grep -oE '[0-9]+$' || true)
    [ -n "$S3_PORT" ] && break
    sleep 0.1
  done
  [ -n "$S3_PORT" ] || { log "s3rver did not start"; cat "$BENCH_TMP/s3rver.log" >&2; return 1; }
  export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_EC2_METADATA_DISABLED=true
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# root_of NAME N [BIG]: a text file in the store referencing N small store paths (builtins.toFile, one
# nix-instantiate) and optionally the store path BIG; prints the root. The same N gives the same paths.
root_of() {
  local name=$1 n=$2 big=${3:-} expr
  expr="let small = builtins.genList (i: builtins.toFile \"bench-small-\${toString i}\" \"bench file \${toString i}\\n\") $n;
    big = if \"$big\" == \"\" then [] else [ (builtins.storePath \"$big\") ];
  in builtins.toFile \"$name\" (builtins.concatStringsSep \"\\n\" (small ++ big))"
  nix-instantiate --eval --strict --read-write-mode -E "$expr" | tr -d '"'
}

# random_path NAME MIB: a store path of MIB MiB of random bytes (a NAR no compression shrinks), held by a root in the
# run's temp dir and deleted at the end; sets RANDOM_PATH. Call it directly, not in $(…), so that the cleanup knows it.
random_path() {
  head -c "$2M" /dev/urandom >"$BENCH_TMP/$1.bin"
  RANDOM_PATH=$(nix-store --add "$BENCH_TMP/$1.bin")
  rm -f "$BENCH_TMP/$1.bin"
  bench_roots+=("$RANDOM_PATH")
  nix-store --add-root "$BENCH_TMP/gcroots/$1" --indirect -r "$RANDOM_PATH" >/dev/null
}

# The large real tree: the .NET installation this script runs on, added to the store once per run (and deleted
# at the end); sets LARGE_TREE. Call it directly, not in $(…), so that the cleanup knows the path.
large_tree() {
  if [ -z "${LARGE_TREE:-}" ]; then
    local dotnet_dir
    dotnet_dir=$(dirname "$(readlink -f "$(command -v dotnet)")")
    LARGE_TREE=$(nix-store --add "$dotnet_dir")
    nix-store --add-root "$BENCH_TMP/gcroots/large" --indirect -r "$LARGE_TREE" >/dev/null
    bench_roots+=("$LARGE_TREE")
    log "large tree: $LARGE_TREE ($(du -sh "$LARGE_TREE" | cut -f1))"
  fi
}

# best_of N CMD…: runs CMD N times (REPEAT, default 2) and prints the shortest wall time. CMD gets a fresh
# directory as its last argument each time (under $RUNS_DIR, default $BENCH_TMP/runs; removed by the caller when done, not between
# runs: a burst of deletions just before a run makes ext4 slower to create files for a few seconds).
best_of() {
  local n=$1 best="" t i dir
  shift
  for i in $(seq 1 "$n"); do
    dir="${RUNS_DIR:-$BENCH_TMP/runs}/$(date +%s%N)"
    mkdir -p "$(dirname "$dir")"
    # Untimed: what the previous run left dirty goes to disk now, not into this run's syncs (Watcher's file cache
    # syncs the file system it writes to, nix copy does not sync at all).
    sync
    t=$(seconds "$@" "$dir") || return 1
    best=$(python3 -c "import sys; print(min(float(x) for x in sys.argv[1:]))" $best "$t")
  done
  echo "$best"
}

# nix_copy_file ROOT EXTRA DIR: `nix copy` of ROOT's closure to a file:// cache in DIR (EXTRA: more URL settings).
nix_copy_file() {
  local top=$1 extra=$2 dir=$3
  $NIX copy --to "file://$dir?compression=zstd&compression-level=$ZSTD_LEVEL&secret-key=$BENCH_TMP/signing.key$extra" "$top"
}

# watcher_push_file ROOT DIR: `nix-watcher push` (environment: $WATCHER_ENV) of ROOT's closure to a file cache
# in DIR/cache (state in DIR).
watcher_push_file() {
  local top=$1 dir=$2
  mkdir -p "$dir"
  watcher_config "$dir/config.toml" "$dir/cache" "$dir/state" </dev/null
  # shellcheck disable=SC2086 # WATCHER_ENV: optional VAR=value words for this one process
  env ${WATCHER_ENV:-} "$WATCHER" --config "$dir/config.toml" push "$top"
}

watcher_push() {
  local config=$1
  shift
  "$WATCHER" --config "$config" push "$@"
}

# start_daemon CONFIG LOG: starts `nix-watcher run` (environment: $DAEMON_ENV) in the background, sets DAEMON_PID and DAEMON_START
# (seconds since the epoch) and waits until it watches the store.
start_daemon() {
  local config=$1 logfile=$2
  DAEMON_START=$(date +%s.%N)
  # shellcheck disable=SC2086 # DAEMON_ENV: optional VAR=value words for this one process
  env ${DAEMON_ENV:-} "$WATCHER" --config "$config" run >"$logfile" 2>&1 &
  DAEMON_PID=$!
  bench_pids+=("$DAEMON_PID")
  for _ in $(seq 1 600); do
    grep -q "watching" "$logfile" && return 0
    kill -0 "$DAEMON_PID" 2>/dev/null || { log "nix-watcher run exited:"; cat "$logfile" >&2; return 1; }
    sleep 0.05
  done
  log "nix-watcher run did not start watching in 30 s"; cat "$logfile" >&2; return 1
}
