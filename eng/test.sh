#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: installs what the tests need (Nix from
# Debian's nix-bin, a C toolchain), builds the Debian sid root with the newer counterparts (eng/sid.sh:
# Nix 2.34, Ceph RGW, moto; kept in .artifacts/ while its recipe is unchanged), starts a nix-daemon if
# none answers, publishes the native executable (eng/publish.sh), runs every test project (the
# integration tests against that executable), then the Nix interop tests once more against the sid
# root's Nix (eng/with-sid-nix.sh), and prints the summary line "N passed, N failed". Stops what it
# started. Run as root (or with sudo).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# shellcheck source=eng/prereqs.sh
source "$root/eng/prereqs.sh"
install_prereqs
install_s3rver
sid=$(as_root "$root/eng/sid.sh")
start_nix_daemon
trap stop_started_services EXIT

# What runs against the sid root's Nix: the tests only it passes (CurrentNixTests, trait Nix=sid, left out of
# the first run), and those of Watcher's talk with the daemon, push, run, check and NAR writing that hold for
# every Nix.
sid_nix_trait="Nix=sid"
sid_nix_tests=()
for class in Nix.CurrentNixTests Pipeline.DaemonTests Cli.PushCommandTests Cli.CheckCommandTests \
  Store.NixDaemonClientTests Store.TempRootTests Nar.NarWriterTests; do
  sid_nix_tests+=(--filter-class "Watcher.IntegrationTests.$class")
done
sid_nix_tests+=(--filter-not-method Watcher.IntegrationTests.Nar.NarWriterTests.WriteAsync_DotnetSdkInStore_MatchesNixStoreDumpAndDatabase)

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
    filter=()
    [ "$name" = Watcher.IntegrationTests ] && filter=(--filter-not-trait "$sid_nix_trait")
    NIX_WATCHER_EXE=$exe WATCHER_SID_ROOT=$sid dotnet test --project "$project" -c Release --no-build --no-progress --results-directory "$results" \
      --report-xunit-trx --report-xunit-trx-filename "$name.trx" --show-test-results failed "${filter[@]}" || status=$?
    [ -f "$results/$name.trx" ] || { echo "no test results from $name" >&2; status=1; }
  done
  # The Nix interop tests again, against the sid root's Nix with its own /nix (the tests that add files from
  # outside /tmp to the store cannot: the root's Nix sees only its own files and /tmp).
  name=Watcher.IntegrationTests.sid-nix
  as_root "$root/eng/with-sid-nix.sh" "$sid" env NIX_WATCHER_EXE="$native" WATCHER_SID_ROOT="$sid" \
    dotnet test --project tests/Watcher.IntegrationTests/Watcher.IntegrationTests.csproj -c Release --no-build --no-progress \
    --results-directory "$results" --report-xunit-trx --report-xunit-trx-filename "$name.trx" --show-test-results failed \
    "${sid_nix_tests[@]}" || status=$?
  [ -f "$results/$name.trx" ] || { echo "no test results from $name" >&2; status=1; }
fi

python3 "$root/eng/summarize-trx.py" "$results" || status=$?
exit "$status"
