{
  description = "nix-watcher: pushes every new Nix store path to your binary caches";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  # Only for `checks`: the home-manager module is evaluated by home-manager itself.
  inputs.home-manager = {
    url = "github:nix-community/home-manager";
    inputs.nixpkgs.follows = "nixpkgs";
  };

  outputs = { self, nixpkgs, home-manager }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f system nixpkgs.legacyPackages.${system});
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
          # Every configuration of nix/home-manager-cases.nix through home-manager's homeManagerConfiguration: a
          # failed assertion fails the check; the activation packages are instantiated, not built.
          results = builtins.mapAttrs
            (_: case: import ./nix/home-manager-eval.nix {
              inherit (nixpkgs) lib;
              inherit pkgs;
              inherit (case) configuration nixos;
              homeManagerLib = home-manager.lib;
              module = self.homeManagerModules.default;
            })
            (import ./nix/home-manager-cases.nix { });
        in
        {
          package = self.packages.${system}.default;
          home-manager-module = pkgs.writeText "nix-watcher-home-manager-module.json" (builtins.toJSON
            (builtins.mapAttrs (_: r: { inherit (r) drvPath warnings unitFiles; }) results));
        });
    };
}
