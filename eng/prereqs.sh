#!/usr/bin/env bash
# Shared by eng/test.sh and eng/run.sh: install the machine prerequisites and manage nix-daemon.
# Only services this script started are stopped again.

started_pids=()

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_prereqs() {
  local missing=()
  command -v nix-daemon >/dev/null 2>&1 || missing+=(nix-bin)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
  # Tests run nix-watcher as throwaway local users: useradd/userdel and setpriv.
  command -v useradd >/dev/null 2>&1 || missing+=(passwd)
  command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
  # The native (AOT) build links with the C toolchain: gcc (or clang), the C library's and zlib's headers, objcopy
  # (it strips the symbols into a separate file).
  command -v gcc >/dev/null 2>&1 || command -v clang >/dev/null 2>&1 || missing+=(gcc)
  [ -e /usr/include/stdio.h ] || missing+=(libc6-dev)
  [ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
  command -v objcopy >/dev/null 2>&1 || missing+=(binutils)
  # The zstd encoder Watcher prefers (and its tests use): the system's libzstd.so.1.
  has_libzstd || missing+=(libzstd1)
  # Tests drive push and status under a pseudo-terminal with script(1).
  command -v script >/dev/null 2>&1 || missing+=(bsdutils)
  # Tests shift nix-watcher's wall clock (libfaketime); the sid root's servers and Nix run in their own mount
  # namespaces (unshare).
  command -v faketime >/dev/null 2>&1 || missing+=(faketime)
  command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  install_prometheus
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "the .NET 10 SDK is required (dotnet on PATH)" >&2
    return 1
  fi
}

has_libzstd() {
  local dir
  for dir in /lib /usr/lib /lib64 /usr/lib64 /lib/*-linux-gnu /usr/lib/*-linux-gnu; do
    [ -e "$dir/libzstd.so.1" ] && return 0
  done
  return 1
}

install_prometheus() {
  # promtool checks the /metrics text and a real Prometheus scrapes the daemon. The tests start their own
  # prometheus; the package's service must neither start now nor at boot, so a policy-rc.d refuses it
  # during the install (unless one is already there) and the unit is disabled and stopped afterwards.
  if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
    return 0
  fi
  echo "installing: prometheus" >&2
  local policy=/usr/sbin/policy-rc.d created=0 status=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    created=1
  fi
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null || status=$?
  if [ "$created" -eq 1 ]; then
    as_root rm -f "$policy"
  fi
  if [ -d /run/systemd/system ]; then
    as_root systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/prometheus ]; then
    as_root /etc/init.d/prometheus stop >/dev/null 2>&1 || true
  fi
  return "$status"
}

install_s3rver() {
  # The S3 server the S3 cache tests run against, pinned in tests/s3rver/package-lock.json.
  if [ -d "$root/tests/s3rver/node_modules/s3rver" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  npm ci --prefix "$root/tests/s3rver" --no-audit --no-fund --loglevel=error >/dev/null
}

nix_daemon_answers() {
  # An invalid path still proves the daemon answered; only a connection failure says otherwise.
  local out
  out=$(NIX_REMOTE=daemon timeout 10 nix-store -q --references /nix/store/00000000000000000000000000000000-probe 2>&1 || true)
  case "$out" in
    *"cannot connect"*|*"Connection refused"*|*"No such file"*) return 1 ;;
    *) return 0 ;;
  esac
}

start_nix_daemon() {
  if nix_daemon_answers; then
    return 0
  fi
  echo "starting nix-daemon" >&2
  as_root nix-daemon >/tmp/nix-daemon.$$.log 2>&1 &
  started_pids+=("$!")
  for _ in $(seq 1 100); do
    if [ -S /nix/var/nix/daemon-socket/socket ] && nix_daemon_answers; then
      return 0
    fi
    sleep 0.1
  done
  echo "nix-daemon did not answer; its log:" >&2
  cat /tmp/nix-daemon.$$.log >&2 || true
  return 1
}

stop_started_services() {
  local pid
  for pid in "${started_pids[@]}"; do
    as_root kill "$pid" 2>/dev/null || true
  done
}
