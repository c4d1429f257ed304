# The nix-watcher package, built with nixpkgs' buildDotnetModule from the NuGet lock nix/deps.json
# (regenerate it with eng/update-nix-deps.sh after changing Directory.Packages.props).
#
# Watcher.csproj sets PublishAot: the publish step compiles the app into one native executable (NativeAOT), so the
# package needs no .NET runtime. nixpkgs' .NET SDK brings the ILCompiler and NativeAOT runtime packs of its own
# version for the host RID; nix/deps.json holds the ones the SDK of eng/update-nix-deps.sh used, for both systems.
{ lib, stdenv, buildDotnetModule, dotnetCorePackages, zlib, zstd }:
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

  dotnet-sdk = dotnetCorePackages.sdk_10_0;
  # Self-contained and native: the executable carries its runtime (no ASP.NET Core or .NET runtime package).
  selfContainedBuild = true;
  dotnet-runtime = null;

  # buildDotnetModule builds with stdenvNoCC; the ILCompiler links the executable with the C compiler (it looks for
  # clang, then gcc), the linker and objcopy of stdenv.cc, and zlib.
  nativeBuildInputs = [ stdenv.cc ];
  buildInputs = [ zlib ];

  # NARs are compressed through libzstd.so.1, loaded at run time (the wrapper puts it on LD_LIBRARY_PATH); without
  # it Watcher would fall back to its slower managed zstd.
  runtimeDeps = [ zstd ];

  executables = [ "nix-watcher" ];

  meta = {
    description = "Pushes every new Nix store path, with its closure, to your binary caches (file, S3, Attic)";
    mainProgram = "nix-watcher";
    platforms = [ "x86_64-linux" "aarch64-linux" ];
  };
}
