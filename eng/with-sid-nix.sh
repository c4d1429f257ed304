#!/usr/bin/env bash
# Runs a command against the sid root's Nix (eng/sid.sh) instead of this machine's: in a private mount
# namespace an empty directory is bound on /nix (and on the root's /nix), the root's nix-daemon serves it,
# and nix, nix-build, nix-store… on PATH are the root's, run chrooted. This machine's /nix, its daemon and
# its mounts are left as they are; everything goes away when the command ends. Run as root.
#
#   eng/with-sid-nix.sh SID_ROOT COMMAND [ARG…]
set -euo pipefail
sid=$(cd "$1" && pwd)
shift
store=$(mktemp -d /var/tmp/watcher-sid-nix.XXXXXX)
bin=$(mktemp -d /tmp/watcher-sid-bin.XXXXXX)
cleanup() { rm -rf "$store" "$bin"; }
trap cleanup EXIT

# The root's Nix programs, chrooted, in the caller's directory where the root has it (/tmp is shared).
for tool in "$sid"/usr/bin/nix "$sid"/usr/bin/nix-*; do
  name=$(basename "$tool")
  cat >"$bin/$name" <<EOF
#!/bin/sh
exec chroot "$sid" /usr/bin/env PATH=/usr/bin:/bin /bin/sh -c 'cd "\$0" 2>/dev/null || cd /; exec "\$@"' "\$PWD" /usr/bin/$name "\$@"
EOF
  chmod 755 "$bin/$name"
done

mkdir -p /nix "$sid/nix"
unshare -m --propagation private bash -euo pipefail -c '
  sid=$1 store=$2 bin=$3
  shift 3
  mount --bind "$store" /nix
  mount --bind "$store" "$sid/nix"
  mount -t proc proc "$sid/proc"
  mount --rbind /dev "$sid/dev"
  mount --bind /tmp "$sid/tmp"
  # Never with an inherited NIX_REMOTE: the daemon would connect to itself for every client.
  chroot "$sid" env -i PATH=/usr/bin:/bin HOME=/root nix-daemon >"$store/daemon.log" 2>&1 &
  daemon=$!
  for _ in $(seq 1 100); do
    [ -S /nix/var/nix/daemon-socket/socket ] && break
    sleep 0.1
  done
  if [ ! -S /nix/var/nix/daemon-socket/socket ]; then
    echo "the sid root'"'"'s nix-daemon did not start; its log:" >&2
    cat "$store/daemon.log" >&2
    exit 1
  fi
  echo "running against $(chroot "$sid" nix-daemon --version) (the sid root'"'"'s, /nix in a private mount namespace)" >&2
  status=0
  # Temporary files where the root'"'"'s Nix sees them too.
  TMPDIR=/tmp PATH="$bin:$PATH" "$@" || status=$?
  kill "$daemon" 2>/dev/null || true
  wait "$daemon" 2>/dev/null || true
  exit "$status"
' with-sid-nix "$sid" "$store" "$bin" "$@"
