#!/usr/bin/env bash
# Renders docs/images/metrics-preview-{1,2,3}.png and docs/images/alerts-preview.png from a real run: nix-watcher
# (built from this checkout) pushes real builds to a file cache, an S3 cache on s3rver, and the same s3rver behind a
# proxy that answers 413 to requests over 400 kB (limit_proxy.py), so larger paths become dead letters; s3rver is
# killed for 90 s and started again. A real Prometheus scrapes the daemon with the alert rules of contrib/prometheus;
# headless Chromium photographs Prometheus' graph page with the Grafana dashboard's key queries (taken from
# contrib/grafana/nix-watcher.json) and its alerts page. This is not Grafana: see docs/operations.md.
#
#   bash contrib/preview/render.sh            # about 5 minutes; needs root for the installs (as eng/test.sh)
#
# Everything it starts runs on 127.0.0.1 and is stopped at the end; its files live in a temp directory.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=eng/prereqs.sh
source "$root/eng/prereqs.sh"
install_prereqs
install_s3rver
command -v chromium >/dev/null 2>&1 || { as_root apt-get update -qq; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
start_nix_daemon

work=$(mktemp -d /tmp/nix-watcher-preview.XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  stop_started_services
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() {
  python3 - "$1" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2)
        sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit(f"no answer from {sys.argv[1]}")
PY
}
log() { printf '[%3ss] %s\n' "$SECONDS" "$*"; }

dotnet build src/Watcher/Watcher.csproj -c Release --nologo -v quiet >/dev/null
dll="$root/src/Watcher/bin/Release/net10.0/nix-watcher.dll"

s3_port=$(free_port) proxy_port=$(free_port) metrics_port=$(free_port) prom_port=$(free_port)
home="$work/home"
mkdir -p "$home/.aws" "$work/s3"
printf '[preview]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' > "$home/.aws/credentials"
nix-store --generate-binary-cache-key preview-1 "$work/secret.key" "$work/public.key"

start_s3rver() {
  node tests/s3rver/node_modules/s3rver/bin/s3rver.js --directory "$work/s3" --address 127.0.0.1 --port "$s3_port" \
    --silent --configure-bucket nix-cache >>"$work/s3rver.log" 2>&1 &
  s3_pid=$!
  pids+=("$s3_pid")
  wait_http "http://127.0.0.1:$s3_port/"
}
start_s3rver
python3 contrib/preview/limit_proxy.py "$proxy_port" "$s3_port" 400000 >"$work/proxy.log" 2>&1 &
pids+=("$!")

cat > "$work/config.toml" <<TOML
state-dir = "$work/state"
[watch]
scan = "none"
roots = []
[caches.local]
type = "file"
path = "$work/cache"
signing-key-file = "$work/secret.key"
[caches.s3]
type = "s3"
bucket = "nix-cache"
endpoint = "http://127.0.0.1:$s3_port"
region = "us-east-1"
profile = "preview"
signing-key-file = "$work/secret.key"
[caches.proxied]
type = "s3"
bucket = "nix-cache"
endpoint = "http://127.0.0.1:$proxy_port"
region = "us-east-1"
profile = "preview"
signing-key-file = "$work/secret.key"
[metrics]
listen = "127.0.0.1:$metrics_port"
TOML
env HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache" XDG_STATE_HOME="$home/.local/state" \
  DOTNET_CLI_HOME="$home" NIX_WATCHER_CONFIG= NOTIFY_SOCKET= \
  dotnet "$dll" --config "$work/config.toml" run >"$work/daemon.log" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$metrics_port/healthz"

cp contrib/prometheus/nix-watcher.rules.yml "$work/"
cat > "$work/prometheus.yml" <<YAML
global:
  scrape_interval: 2s
  scrape_timeout: 2s
  evaluation_interval: 2s
rule_files: ['$work/nix-watcher.rules.yml']
scrape_configs:
  - job_name: nix-watcher
    static_configs:
      - targets: ['127.0.0.1:$metrics_port']
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$prom_port/-/ready"
log "daemon on :$metrics_port, prometheus on :$prom_port, s3rver on :$s3_port"

# Builds of 2 to 7 derivations, each referring to the one before, with 50 to 800 KB of random bytes each.
build() {
  local nonce=$1 count=$2 i expr
  expr='let mk = name: script: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" script ]; PATH = "/usr/bin:/bin"; }; in let '
  for ((i = 0; i < count; i++)); do
    local ref=""
    [ "$i" -gt 0 ] && ref="echo \${p$((i - 1))} > \$out/ref; "
    expr+="p$i = mk \"preview-$nonce-$i\" \"mkdir -p \$out; ${ref}head -c $(( (RANDOM % 16 + 1) * 50000 )) /dev/urandom > \$out/data\"; "
  done
  expr+="in [ $(for ((i = 0; i < count; i++)); do printf 'p%d ' "$i"; done)]"
  nix-build --no-out-link --option substituters "" -E "$expr" >/dev/null 2>>"$work/builds.log"
}

start=$SECONDS
killed=0 restarted=0
while [ $((SECONDS - start)) -lt 240 ]; do
  build "$(date +%s%N)" $((RANDOM % 6 + 2))
  elapsed=$((SECONDS - start))
  if [ "$killed" -eq 0 ] && [ "$elapsed" -ge 70 ]; then
    log "killing s3rver: the s3 and proxied caches go down"
    kill "$s3_pid"; killed=1
  fi
  if [ "$restarted" -eq 0 ] && [ "$elapsed" -ge 160 ]; then
    log "starting s3rver again"
    start_s3rver; restarted=1
  fi
  sleep 3
done
log "builds done; letting the queues drain"
sleep 30

# The dashboard's queries, with Grafana's variables filled in as for "All", three to a picture.
urls=$(python3 - "$root/contrib/grafana/nix-watcher.json" "$prom_port" <<'PY'
import json, sys, urllib.parse
dashboard = json.load(open(sys.argv[1]))
panels = [p for p in dashboard["panels"] if p.get("targets")]
pictures = [["Queue depth", "Oldest pending path waiting", "Paths pushed /s"],
            ["Circuit breaker", "Dead letters", "Failures /s"],
            ["Retries /s", "Upload latency", "Bytes uploaded /s"]]
subst = {"$__rate_interval": "30s", "$job": "nix-watcher", "$instance": ".*", "$cache": ".*"}
for titles in pictures:
    params = {}
    for i, title in enumerate(titles):
        panel = next(p for p in panels if p["title"] == title)
        expr = panel["targets"][1 if title == "Upload latency" else 0]["expr"]  # the 95th percentile
        for k, v in subst.items():
            expr = expr.replace(k, v)
        params.update({f"g{i}.expr": expr, f"g{i}.tab": "0", f"g{i}.range_input": "5m", f"g{i}.stacked": "0"})
    print(f"http://127.0.0.1:{sys.argv[2]}/classic/graph?" + urllib.parse.urlencode(params))
PY
)
shoot() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$work/chromium" --hide-scrollbars \
    --window-size="$1" --virtual-time-budget=20000 --screenshot="$2" "$3" >>"$work/chromium.log" 2>&1
}
mkdir -p "$root/docs/images"
n=0
while read -r url; do
  n=$((n + 1))
  shoot 1400,2300 "$root/docs/images/metrics-preview-$n.png" "$url"
done <<<"$urls"
shoot 1400,900 "$root/docs/images/alerts-preview.png" "http://127.0.0.1:$prom_port/classic/alerts"
log "wrote docs/images/metrics-preview-1.png to -$n.png and alerts-preview.png"
