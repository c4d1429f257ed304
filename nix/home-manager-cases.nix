# The configurations the home-manager module is evaluated with, in real home-manager (flake.nix's checks and
# tests/Watcher.IntegrationTests/Packaging): a file, an S3 and an Attic cache, each standalone and under the
# NixOS module, each with the optional parts off and on (substituters, metrics, retention).
{ home ? "/home/alice" }:
let
  caches = {
    file = { local = { type = "file"; path = "~/nix-cache"; }; };
    s3 = { minio = { type = "s3"; bucket = "nix-cache"; endpoint = "https://s3.homelab.local:9000"; region = "eu-1"; profile = "nixbuilder"; signing-key-file = "${home}/.config/nix/secret.key"; }; };
    attic = { home = { type = "attic"; endpoint = "https://attic.example.com/"; cache = "private"; token-file = "${home}/.config/attic/token"; }; };
  };
  variants = {
    plain = {
      metrics.enable = false;
    };
    full = {
      substituters = { enable = true; trustedPublicKeys = [ "alice-1:AAAAC3NzaC1lZDI1NTE5AAAAIJzBtp7vE9pgn4Wz0F9m+YwDpM6x2fQ4Q1A0cL2Hz1bG=" ]; };
      metrics = { enable = true; port = 9500; };
      retention = { enable = true; keepDays = 14; };
    };
  };
  cases = builtins.concatMap
    (cache: builtins.concatMap
      (variant: map
        (nixos: {
          name = "${cache}-${variant}-${if nixos then "nixos" else "standalone"}";
          value = {
            inherit nixos;
            configuration.services.nix-watcher = { enable = true; settings.caches = caches.${cache}; } // variants.${variant};
          };
        })
        [ false true ])
      (builtins.attrNames variants))
    (builtins.attrNames caches);
in
builtins.listToAttrs cases
