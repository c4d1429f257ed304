# The nix-watcher package, built with nixpkgs' buildDotnetModule from the NuGet lock nix/deps.json
# (regenerate it with eng/update-nix-deps.sh after changing Directory.Packages.props).
#
# Watcher.csproj sets PublishAot: the publish step compiles the app into one native executable (NativeAOT), so the
# package needs no .NET runtime. nixpkgs' .NET SDK brings the ILCompiler and NativeAOT runtime packs of its own
# version for the host RID, so nix/deps.json leaves them out (listed again, the restore hook's links would collide).
{ lib, stdenv, buildDotnetModule, dotnetCorePackages, openssl, zlib, zstd }:
let
  root = ../.;
  # Only what git tracks: a flake's source already is that (Nix copies the tracked files, without .git); from a
  # checkout (callPackage on this file), lib.fileset.gitTracked leaves out build output and untracked files.
  tracked = if builtins.pathExists (root + "/.git") then lib.fileset.gitTracked root else root;
in
buildDotnetModule {
  pname = "nix-watcher";
  version = "0.1.0";

  src = lib.fileset.toSource {
    inherit root;
    fileset = lib.fileset.intersection tracked (lib.fileset.unions [
      # .editorconfig: the analyzers run with the settings CI uses (warnings are errors).
      ../.editorconfig
      ../src/Watcher
      ../Directory.Build.props
      ../Directory.Packages.props
      ../global.json
      ../eng/BannedSymbols.txt
    ]);
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
  # it Watcher would fall back to its slower managed zstd. HTTPS (S3, Attic) goes through the runtime's OpenSSL
  # binding, which loads libssl.so.3 at run time: it must not depend on how nixpkgs built the runtime.
  runtimeDeps = [ openssl zstd ];

  executables = [ "nix-watcher" ];

  meta = {
    description = "Pushes every new Nix store path, with its closure, to your binary caches (file, S3, Attic)";
    mainProgram = "nix-watcher";
    platforms = [ "x86_64-linux" "aarch64-linux" ];
  };
}
