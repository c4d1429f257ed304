# services.nix-watcher evaluated the way home-manager evaluates a user's configuration: through home-manager's
# own lib.homeManagerConfiguration (which throws on a failed assertion), either standalone (no nix.package, the
# default) or as home-manager's NixOS module does it (the system's nix.package, submoduleSupport). flake.nix's
# checks call it with nixpkgs and home-manager; the tests with home-manager's source and a stand-in `pkgs`.
{ lib
, pkgs
, homeManagerLib            # home-manager's `lib` (the flake's `home-manager.lib`)
, module                    # homeManagerModules.default
, configuration             # the user's module: services.nix-watcher = …
, nixos ? false
, home ? "/home/alice"
, extraModules ? [ ]
, extraSpecialArgs ? { }
}:
let
  evaluated = homeManagerLib.homeManagerConfiguration {
    inherit pkgs lib extraSpecialArgs;
    modules = [
      module
      configuration
      {
        home = { username = "alice"; homeDirectory = home; stateVersion = "25.05"; };
        manual.manpages.enable = false;
      }
    ]
    ++ lib.optional nixos { nix.package = pkgs.nix; submoduleSupport.enable = true; }
    ++ extraModules;
  };
  inherit (evaluated) config;
  units = lib.filterAttrs (name: _: lib.hasPrefix "nix-watcher" name) config.systemd.user.services;
in
{
  inherit config;
  # What `home-manager build` builds; forcing it evaluates every file the generation installs.
  drvPath = evaluated.activationPackage.drvPath;
  inherit (config) warnings;
  # The unit files home-manager installs (a store path string), by unit name.
  unitFiles = lib.mapAttrs (name: _: config.xdg.configFile."systemd/user/${name}.service".source) units;
  # The user units' [Install] links home-manager creates (systemd/user/default.target.wants/…).
  unitLinks = lib.filter (name: lib.hasPrefix "systemd/user/" name && lib.hasInfix ".target." name && lib.hasInfix "nix-watcher" name)
    (lib.attrNames config.xdg.configFile);
}
