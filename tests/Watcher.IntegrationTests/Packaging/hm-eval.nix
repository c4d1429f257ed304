# Evaluates the flake's homeManagerModules.default through real home-manager (its source in `vendor`), with
# nixpkgs' lib and a stand-in `pkgs` (hm-pkgs.nix; nixpkgs itself is too large to have here), by the same
# nix/home-manager-eval.nix that flake.nix's checks use. Prints what the tests compare, as JSON:
#
#   nix-instantiate --read-write-mode --eval --strict --json hm-eval.nix --arg vendor PATH --arg nixpkgs PATH \
#     --arg user '{ settings = …; }' [--arg nixos true]      # one configuration: services.nix-watcher = { enable = true; } // user
#     --arg cases true                                        # every configuration of nix/home-manager-cases.nix
#     --arg snippet FILE [--arg nixos true]                   # a module of docs/operations.md, with `inputs.nix-watcher`
#     --arg overlay true                                      # whether overlays.default gives the flake's package
#     --arg flakeCheck true                                   # checks.<system>.home-manager-module, instantiated
#
# `nixpkgs` is a folder holding nixpkgs' lib/, the nixpkgs module files home-manager imports from pkgs.path, and a
# default.nix that gives the stand-in (home-manager's nixpkgs module imports pkgs.path), as HomeManagerEval.cs makes it.
# --read-write-mode: the rendered config and the unit derivations are written to the store, to be read back.
{ vendor
, nixpkgs
, home ? "/home/alice"
, user ? { }
, configuration ? { services.nix-watcher = { enable = true; } // user; }
, nixos ? false
, cases ? false
, snippet ? null
, overlay ? false
, flakeCheck ? false
, system ? "x86_64-linux"
}:
let
  lib = import (vendor + "/nixpkgs-lib/lib");
  homeManagerLib = import (vendor + "/home-manager/lib") { inherit lib; };
  standIn = s: import ./hm-pkgs.nix { inherit lib; path = nixpkgs; system = s; };
  pkgs = standIn system;

  # The flake's outputs, with the stand-in as nixpkgs and the vendored home-manager as its input.
  outputs = (import ../../../flake.nix).outputs {
    self = outputs;
    nixpkgs = { inherit lib; legacyPackages = lib.genAttrs [ "x86_64-linux" "aarch64-linux" ] standIn; };
    home-manager.lib = homeManagerLib;
  };

  evaluate = configuration: nixos: import ../../../nix/home-manager-eval.nix {
    inherit lib pkgs homeManagerLib configuration nixos home;
    # A snippet imports the module itself, from `inputs` (home-manager's extraSpecialArgs, as the docs show).
    module = if snippet == null then outputs.homeManagerModules.default else { };
    extraSpecialArgs.inputs.nix-watcher = outputs;
  };

  drvOf = source: if builtins.isAttrs source then source.drvPath else builtins.head (builtins.attrNames (builtins.getContext source));
  report = r:
    let
      services = r.config.systemd.user.services;
      execStart = lib.last (lib.toList services.nix-watcher.Service.ExecStart);
      configFile = builtins.head (builtins.match ".* --config ([^ ]+) run" execStart);
    in
    {
      inherit (r) drvPath warnings unitLinks;
      # The file the unit's ExecStart names: what the service would really read.
      inherit configFile;
      toml = builtins.readFile configFile;
      service = services.nix-watcher;
      netrcService = services.nix-watcher-netrc or null;
      # The derivation of each unit file home-manager installs; its `text` is the file.
      unitDrvs = builtins.mapAttrs (_: drvOf) r.unitFiles;
      nixSettings = if r.config.nix.settings == { } then null else r.config.nix.settings;
      nixConf = if r.config.xdg.configFile ? "nix/nix.conf" then drvOf r.config.xdg.configFile."nix/nix.conf".source else null;
      tmpfiles = r.config.systemd.user.tmpfiles.rules or [ ];
      tmpfilesSettings = r.config.systemd.user.tmpfiles.settings or null;
      package = toString r.config.services.nix-watcher.package;
      packages = map toString r.config.home.packages;
    };
in
if flakeCheck then { inherit (outputs.checks.${system}.home-manager-module) drvPath buildCommand units; }
else if overlay then { overlayGivesThePackage = (outputs.overlays.default pkgs pkgs).nix-watcher.drvPath == outputs.packages.${system}.default.drvPath; }
else if snippet != null then report (evaluate snippet nixos)
else if cases then builtins.mapAttrs (_: c: report (evaluate c.configuration c.nixos)) (import ../../../nix/home-manager-cases.nix { inherit home; })
else report (evaluate configuration nixos)
