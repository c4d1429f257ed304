{
  description = "nix-watcher: pushes every new Nix store path to your binary caches";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f system nixpkgs.legacyPackages.${system});

      # The few home-manager options the module sets, declared loosely, so that `checks` can evaluate
      # the module with nixpkgs' real module system without depending on home-manager.
      homeManagerStubs = { lib, ... }: {
        options = {
          assertions = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; };
          warnings = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
          home.packages = lib.mkOption { type = lib.types.listOf lib.types.package; default = [ ]; };
          home.homeDirectory = lib.mkOption { type = lib.types.str; default = "/home/alice"; };
          xdg.configHome = lib.mkOption { type = lib.types.str; default = "/home/alice/.config"; };
          nix.settings = lib.mkOption { type = lib.types.attrsOf lib.types.anything; default = { }; };
          systemd.user.services = lib.mkOption { type = lib.types.attrsOf lib.types.anything; default = { }; };
          systemd.user.tmpfiles.rules = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
        };
      };
    in
    {
      overlays.default = final: _prev: {
        nix-watcher = final.callPackage ./nix/package.nix { };
      };

      packages = forAllSystems (_system: pkgs: rec {
        nix-watcher = pkgs.callPackage ./nix/package.nix { };
        default = nix-watcher;
      });

      apps = forAllSystems (system: _pkgs: {
        default = {
          type = "app";
          program = "${self.packages.${system}.default}/bin/nix-watcher";
        };
      });

      homeManagerModules.default = { lib, pkgs, ... }: {
        imports = [ ./home-manager/module.nix ];
        services.nix-watcher.package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.default;
      };

      checks = forAllSystems (system: pkgs:
        let
          evaluated = nixpkgs.lib.evalModules {
            specialArgs = { inherit pkgs; };
            modules = [
              homeManagerStubs
              self.homeManagerModules.default
              {
                services.nix-watcher = {
                  enable = true;
                  settings.caches.local = { type = "file"; path = "~/nix-cache"; };
                  settings.caches.home = { type = "attic"; endpoint = "https://attic.example.com/"; cache = "private"; token-file = "/run/secrets/attic-token"; };
                  substituters.enable = true;
                };
              }
            ];
          };
          failed = builtins.filter (a: !a.assertion) evaluated.config.assertions;
          units = evaluated.config.systemd.user.services;
        in
        {
          package = self.packages.${system}.default;
          home-manager-module =
            assert failed == [ ] || throw (builtins.concatStringsSep "\n" (map (a: a.message) failed));
            pkgs.writeText "nix-watcher-home-manager-units.json" (builtins.toJSON {
              inherit units;
              inherit (evaluated.config.nix) settings;
            });
        });
    };
}
