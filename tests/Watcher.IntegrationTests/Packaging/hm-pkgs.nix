# A stand-in for nixpkgs' `pkgs`, enough for home-manager (its own source, ../shared/vendor/home-manager) to
# evaluate a whole configuration and its activation package, and for flake.nix's outputs to evaluate.
# Builders are plain derivations that are never built: what is checked is evaluation, assertions, warnings
# and the derivations' inputs. formats.toml renders real TOML (builtins.toFile), so the tests can load the
# config the module renders; writeTextFile keeps its text in the derivation, where the tests read a unit back.
#
#   path: a folder with nixpkgs' lib/ and the nixpkgs module files home-manager imports (pkgs.path + "/…")
{ lib, path, system ? "x86_64-linux" }:
let
  inherit (builtins) isString isBool isInt isFloat isList isAttrs attrNames filter concatStringsSep toJSON typeOf;

  standIn = name: attrs: derivation ({
    inherit name system;
    builder = "/bin/sh";
    args = [ "-c" "echo 'a stand-in, not built' >&2; exit 1" ];
  } // attrs);
  package = pname: version: standIn "${pname}-${version}" { inherit pname version; } // {
    inherit pname version;
    meta.mainProgram = pname;
  };

  atom = with lib.types; nullOr (oneOf [ bool int float str lib.types.path ]) // { description = "INI atom"; };
  jsonValue = with lib.types; nullOr (oneOf [ bool int float str lib.types.path (attrsOf jsonValue) (listOf jsonValue) ]) // { description = "JSON value"; };
  tomlValue' = with lib.types; oneOf [ bool int float str lib.types.path (attrsOf tomlValue') (listOf tomlValue') ] // { description = "TOML value"; };

  # TOML: scalars and arrays first, then sub-tables as [a.b] headers.
  tomlKey = k: if builtins.match "[A-Za-z0-9_-]+" k != null then k else toJSON k;
  tomlValue = v:
    if isString v then toJSON v
    else if isBool v then (if v then "true" else "false")
    else if isInt v || isFloat v then toString v
    else if isList v then "[" + concatStringsSep ", " (map tomlValue v) + "]"
    else throw "hm-pkgs: no TOML rendering for a ${typeOf v}";
  toTOML = tablePath: attrs:
    let
      names = attrNames attrs;
      scalars = filter (n: !isAttrs attrs.${n}) names;
      tables = filter (n: isAttrs attrs.${n}) names;
      header = if tablePath == [ ] || scalars == [ ] && tables != [ ] then "" else "[" + concatStringsSep "." (map tomlKey tablePath) + "]\n";
      body = concatStringsSep "" (map (n: "${tomlKey n} = ${tomlValue attrs.${n}}\n") scalars);
    in
    header + body + concatStringsSep "" (map (n: "\n" + toTOML (tablePath ++ [ n ]) attrs.${n}) tables);

  self = {
    inherit lib path;
    config = { };
    overlays = [ ];
    stdenv = {
      hostPlatform = lib.systems.elaborate system;
      buildPlatform = lib.systems.elaborate system;
      cc = package "gcc-wrapper" "14";
    };
    callPackage = lib.callPackageWith self;

    formats = {
      json = _: { type = jsonValue; generate = name: value: builtins.toFile name (toJSON value); };
      yaml = _: { type = jsonValue; generate = name: value: builtins.toFile name (toJSON value); };
      toml = _: { type = lib.types.attrsOf tomlValue'; generate = name: value: builtins.toFile name (toTOML [ ] value); };
      ini = _: {
        lib.types.atom = atom;
        type = with lib.types; attrsOf (attrsOf (either atom (listOf atom)));
        generate = name: value: builtins.toFile name (lib.generators.toINI { listsAsDuplicateKeys = true; } value);
      };
    };
    writeTextFile = { name, text, destination ? "", executable ? false, ... }: standIn name { inherit text destination executable; };
    writeText = name: text: self.writeTextFile { inherit name text; };
    writeShellScript = name: text: self.writeTextFile { inherit name text; executable = true; };
    runCommand = name: env: buildCommand: standIn name (removeAttrs env [ "passthru" "meta" ] // { inherit buildCommand; });
    runCommandLocal = self.runCommand;
    buildEnv = { name, paths ? [ ], ... }: standIn name { paths = map toString paths; };
    replaceVars = src: vars: standIn (baseNameOf (toString src)) { src = toString src; };
    emptyDirectory = standIn "empty-directory" { };
    buildPackages.gettext = package "gettext" "0.22";

    # What nix/package.nix asks for.
    # `src` is not an input: nix/package.nix's lib.fileset needs builtins.readFileType (Nix 2.14), newer than
    # the Nix these tests run with.
    buildDotnetModule = args: standIn "${args.pname}-${args.version}" {
      inherit (args) pname version;
      nugetDeps = toString args.nugetDeps;
      runtimeDeps = map toString (args.runtimeDeps or [ ]);
    } // { inherit (args) pname version meta; };
    dotnetCorePackages.sdk_10_0 = package "dotnet-sdk" "10.0.100";
    nix = package "nix" "2.28.4";
  } // lib.genAttrs [
    "bash" "coreutils" "diffutils" "findutils" "gnugrep" "gnused" "gettext" "jq" "ncurses" "man" "lndir"
    "sd-switch" "shared-mime-info" "systemd" "glibcLocales" "zlib" "zstd" "openssl"
  ] (n: package n "1.0");
in
self
