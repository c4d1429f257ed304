#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: installs what the tests need (Nix from
# Debian's nix-bin, a C toolchain), starts a nix-daemon if none answers, publishes the native
# executable (eng/publish.sh), runs every test project (the integration tests against that
# executable) and prints the summary line "N passed, N failed". Stops what it started. Run as
# root (or with sudo).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# shellcheck source=eng/prereqs.sh
source "$root/eng/prereqs.sh"
install_prereqs
install_s3rver
start_nix_daemon
trap stop_started_services EXIT

results="$root/.artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

status=0
dotnet build Watcher.sln -c Release --nologo -v quiet || status=$?
# The integration tests run the native executable, what eng/run.sh and the flake ship (the unit tests stay on the JIT).
native=""
if [ "$status" -eq 0 ]; then
  native=$("$root/eng/publish.sh" "$root/.artifacts/aot") || status=$?
fi
if [ "$status" -eq 0 ]; then
  # One run per project, each with its own TRX name: runs started in the same second would
  # otherwise write the same default file name, and the summary would miss a project.
  for project in tests/*/*.csproj; do
    name=$(basename "$project" .csproj)
    exe=""
    [ "$name" = Watcher.IntegrationTests ] && exe=$native
    NIX_WATCHER_EXE=$exe dotnet test --project "$project" -c Release --no-build --no-progress --results-directory "$results" \
      --report-xunit-trx --report-xunit-trx-filename "$name.trx" --show-test-results failed || status=$?
    [ -f "$results/$name.trx" ] || { echo "no test results from $name" >&2; status=1; }
  done
fi

python3 "$root/eng/summarize-trx.py" "$results" || status=$?
exit "$status"
