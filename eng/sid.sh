#!/usr/bin/env bash
# Builds (or reuses) one Debian sid root holding the newer counterparts the integration tests also run
# against: Nix (nix-bin), Ceph's S3 server (radosgw) and moto (the S3 mock of boto's own tests).
# Prints the root's path. The root lives under the checkout's ignored .artifacts/ and is built again
# only when this recipe changed (its hash is stored beside the root). Packages go into the root with
# `chroot ROOT apt-get`, never into this machine. Run as root.
#
#   eng/sid.sh            build if needed, print the root
#   eng/sid.sh --check    exit 0 when a current root is there, 1 otherwise (builds nothing)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
base="$root/.artifacts/sid"
sid="$base/root"
packages=(nix-bin radosgw python3-moto python3-flask python3-flask-cors)
recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)

current() {
  [ -f "$base/recipe" ] && [ "$(cat "$base/recipe")" = "$recipe" ] &&
    [ -x "$sid/usr/bin/nix-daemon" ] && [ -x "$sid/usr/bin/radosgw" ] && [ -d "$sid/usr/lib/python3/dist-packages/moto" ]
}

if [ "${1:-}" = --check ]; then
  current
  exit
fi
if current; then
  echo "$sid"
  exit 0
fi

# The Debian mirror this machine's apt uses (deb822 or one-line sources), else Debian's own.
mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ { print $2 }' | grep -v -- '-security' | grep '/debian/*$' | head -n 1 || true)
  [ -n "$uri" ] || uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" && $2 ~ /\/debian\/?$/ { print $2 }' | head -n 1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "installing: debootstrap" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

started=$SECONDS
echo "building the Debian sid root in $sid (nix-bin, radosgw, moto)" >&2
work="$base/building"
rm -rf "$sid" "$base/recipe"
mkdir -p "$base"
log="$base/build.log"
: >"$log"
# A second attempt when a download fails on the way.
for attempt in 1 2; do
  rm -rf "$work"
  mkdir -p "$work"
  debootstrap --variant=minbase sid "$work" "$(mirror)" >>"$log" 2>&1 && break
  if [ "$attempt" -eq 2 ]; then
    echo "debootstrap failed; the end of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
done
# The mirror's Release file may be older than this machine's clock; packages must start no service.
echo 'Acquire::Check-Valid-Until "false";' >"$work/etc/apt/apt.conf.d/99no-valid-until"
printf '#!/bin/sh\nexit 101\n' >"$work/usr/sbin/policy-rc.d"
chmod 755 "$work/usr/sbin/policy-rc.d"
# apt inside the root needs /proc and /dev; they are mounted in a private mount namespace, so they go
# away with it and the host's mounts never change.
if ! unshare -m --propagation private sh -euc '
    dir=$1
    shift
    mount -t proc proc "$dir/proc"
    mount --bind /dev "$dir/dev"
    in_root() { chroot "$dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
    in_root apt-get -o Acquire::Retries=3 update -qq
    in_root apt-get -o Acquire::Retries=3 install -y -qq --no-install-recommends "$@"
    in_root apt-get clean
  ' sid-install "$work" "${packages[@]}" >>"$log" 2>&1; then
  echo "installing ${packages[*]} into the sid root failed; the end of $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
mkdir -p "$work/etc/nix"
cat >"$work/etc/nix/nix.conf" <<'EOF'
build-users-group =
sandbox = false
substituters =
experimental-features = nix-command
EOF
mv "$work" "$sid"
echo "$recipe" >"$base/recipe"
echo "sid root ready in $((SECONDS - started)) s: $(chroot "$sid" dpkg-query -W -f '${Package} ${Version}, ' "${packages[@]:0:3}")" >&2
echo "$sid"
