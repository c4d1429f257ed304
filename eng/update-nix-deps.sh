#!/usr/bin/env bash
# Regenerates nix/deps.json, the NuGet lock that flake.nix passes to buildDotnetModule as nugetDeps:
# restores the app for every Linux RID the flake builds, into a throwaway packages folder, and lists
# each downloaded .nupkg as { pname, version, hash } (hash = SRI sha256 of the .nupkg file, what
# nixpkgs' fetchNupkg checks). Packs that nixpkgs' dotnet-sdk ships itself are left out: the targeting,
# runtime, apphost, crossgen2 and ILLink packs, and (nixpkgs' .NET 9+ SDKs) the ILCompiler and NativeAOT
# runtime packs of its own version. buildDotnetModule links those into its package folder without -f, so
# listing one again can fail with "File exists". tests/Watcher.IntegrationTests/Packaging/NixDepsTests.cs
# restores the app from exactly these packages (plus the SDK's packs) for both RIDs.
#
#   eng/update-nix-deps.sh            # from nuget.org (or the sources in NuGet.config)
#   NUGET_SOURCE=DIR eng/update-nix-deps.sh   # from a local feed, e.g. ~/.nuget/packages
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
project="$root/src/Watcher/Watcher.csproj"
out="$root/nix/deps.json"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
packages="$work/packages"

source_args=()
if [ -n "${NUGET_SOURCE:-}" ]; then
  source_args=(--source "$NUGET_SOURCE")
fi

for rid in linux-x64 linux-arm64; do
  # The RID restore writes its lock and assets to the temp folder: the committed lock file and the checkout's
  # obj/ stay as the build wrote them.
  dotnet restore "$project" --runtime "$rid" --packages "$packages" "${source_args[@]}" \
    -p:RestoreLockedMode=false -p:NuGetLockFilePath="$work/obj-$rid/packages.lock.json" \
    -p:MSBuildProjectExtensionsPath="$work/obj-$rid/" -p:RestoreOutputPath="$work/obj-$rid/" --nologo -v q >&2
done

python3 - "$packages" "$out" <<'PY'
import base64, hashlib, json, os, re, sys

packages, out = sys.argv[1], sys.argv[2]
sdk_packs = re.compile(
    r"^microsoft\.(netcore|aspnetcore)\.app\.(ref|runtime|host|crossgen2)(\..*)?$"
    r"|^microsoft\.net\.illink\.tasks$"
    r"|^(runtime\.[^.]+\.)?microsoft\.dotnet\.ilcompiler$")
deps = []
for lower_id in sorted(os.listdir(packages)):
    if sdk_packs.match(lower_id) or not os.path.isdir(os.path.join(packages, lower_id)):
        continue
    for version in sorted(os.listdir(os.path.join(packages, lower_id))):
        folder = os.path.join(packages, lower_id, version)
        nupkg = os.path.join(folder, f"{lower_id}.{version}.nupkg")
        nuspec = next(f for f in os.listdir(folder) if f.endswith(".nuspec"))
        with open(os.path.join(folder, nuspec), encoding="utf-8-sig") as f:
            package_id = re.search(r"<id>\s*([^<\s]+)\s*</id>", f.read()).group(1)
        with open(nupkg, "rb") as f:
            digest = hashlib.sha256(f.read()).digest()
        deps.append({
            "pname": package_id,
            "version": version,
            "hash": "sha256-" + base64.b64encode(digest).decode(),
        })
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    json.dump(deps, f, indent=2)
    f.write("\n")
print(f"{out}: {len(deps)} packages", file=sys.stderr)
PY
