# The nix-watcher package, built with nixpkgs' buildDotnetModule from the NuGet lock nix/deps.json
# (regenerate it with eng/update-nix-deps.sh after changing Directory.Packages.props).
{ lib, buildDotnetModule, dotnetCorePackages }:
buildDotnetModule {
  pname = "nix-watcher";
  version = "0.1.0";

  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../src/Watcher
      ../Directory.Build.props
      ../Directory.Packages.props
      ../global.json
      ../eng/BannedSymbols.txt
    ];
  };

  projectFile = "src/Watcher/Watcher.csproj";
  nugetDeps = ./deps.json;

  # The app uses Microsoft.NET.Sdk.Web (Kestrel serves /metrics), so it needs the ASP.NET Core runtime.
  dotnet-sdk = dotnetCorePackages.sdk_10_0;
  dotnet-runtime = dotnetCorePackages.aspnetcore_10_0;

  executables = [ "nix-watcher" ];

  meta = {
    description = "Pushes every new Nix store path, with its closure, to your binary caches (file, S3, Attic)";
    mainProgram = "nix-watcher";
    platforms = [ "x86_64-linux" "aarch64-linux" ];
  };
}
