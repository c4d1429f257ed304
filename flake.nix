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
          # Builds only the unit files: each must carry every line of systemd/nix-watcher.service but ExecStart, and
          # run the package with the rendered config.
          home-manager-module = pkgs.runCommand "nix-watcher-home-manager-module"
            {
              plain = ./systemd/nix-watcher.service;
              units = map (r: r.unitFiles.nix-watcher) (builtins.attrValues results);
              # The activation packages' .drv paths as plain strings: forcing them is the check (assertions, every file
              # instantiated); as string context they would ask for .drv files `nix flake check` does not write.
              results = builtins.toJSON (builtins.mapAttrs (_: r: { drvPath = builtins.unsafeDiscardStringContext r.drvPath; inherit (r) warnings; }) results);
            }
            ''
              for unit in $units; do
                grep -v '^#' "$plain" | grep '=' | grep -v '^ExecStart=' | while IFS= read -r line; do
                  grep -qxF -- "$line" "$unit" || { echo "$unit lacks the line $line" >&2; exit 1; }
                done || exit 1
                grep -q '^ExecStart=/nix/store/[^ ]*/bin/nix-watcher --config /nix/store/[^ ]*-nix-watcher.toml run$' "$unit" \
                  || { echo "$unit: ExecStart does not run the package with --config" >&2; exit 1; }
              done
              printf '%s\n' "$results" > "$out"
            '';
        });
    };
}
