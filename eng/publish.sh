#!/usr/bin/env bash
# Publishes nix-watcher as one native executable (NativeAOT) for this machine's architecture into DIR
# (default .artifacts/aot), with the native libraries it loads beside it, and prints the executable's path.
# Needs a C toolchain (gcc or clang, zlib's headers): eng/prereqs.sh installs it.
#   eng/publish.sh [DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-"$root/.artifacts/aot"}

case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "no native build for $(uname -m) (linux-x64 and linux-arm64 only)" >&2; exit 1 ;;
esac

dotnet publish "$root/src/Watcher/Watcher.csproj" -c Release -r "$rid" -o "$out" --nologo -v quiet >&2
echo "$out/nix-watcher"
