#!/usr/bin/env bash
# Runs Watcher on a fresh Debian machine: installs Nix (nix-bin) and a C toolchain if missing, starts
# a nix-daemon if none answers, builds nix-watcher as one native executable (eng/publish.sh), and
# runs it with the given arguments. With no arguments it builds a small demo derivation and pushes
# it to the default cache ($XDG_CACHE_HOME/nix-watcher/cache), creating the signing key on first
# run and printing its public key.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# shellcheck source=eng/prereqs.sh
source "$root/eng/prereqs.sh"
install_prereqs
start_nix_daemon
trap stop_started_services EXIT

watcher=$("$root/eng/publish.sh" "$root/.artifacts/aot")
export NIX_REMOTE=daemon

if [ "$#" -eq 0 ]; then
  demo=$(mktemp --suffix=.nix)
  cat >"$demo" <<NIX
derivation {
  name = "nix-watcher-demo";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "echo 'pushed by nix-watcher' > \$out" ];
  PATH = "/usr/bin:/bin";
}
NIX
  path=$(nix-build "$demo" --no-out-link --option substituters "")
  rm -f "$demo"
  set -- push "$path"
fi

"$watcher" "$@"
