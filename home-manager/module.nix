# home-manager module: services.nix-watcher.
#
#   services.nix-watcher = {
#     enable = true;
#     settings.caches.home = { type = "attic"; server = "home"; cache = "private"; };
#     substituters.enable = true;   # this machine also reads from the caches
#   };
#
# `settings` is rendered to TOML with pkgs.formats.toml, so every key of docs/configuration.md can be
# set. Secrets are never put in the Nix store: only their file paths (token-file, signing-key-file).
# The metrics listener has its own options (`metrics.enable`, `metrics.address`, `metrics.port`), which
# render `[metrics] listen`; the retention schedule (`retention.*`) renders `[caches.NAME.retention]` for
# the file and s3 caches.
{ config, lib, pkgs, options, ... }:
let
  cfg = config.services.nix-watcher;
  tomlFormat = pkgs.formats.toml { };
  home = config.home.homeDirectory;

  # The same tilde expansion nix-watcher applies to path keys.
  expandHome = path: if path == "~" then home else if lib.hasPrefix "~/" path then "${home}/${lib.removePrefix "~/" path}" else path;

  caches = cfg.settings.caches or { local = { type = "file"; path = "~/.cache/nix-watcher/cache"; }; };

  # Nix's S3 store URL, as `nix-watcher netrc` prints it.
  s3Url = c:
    let
      endpoint = if c ? endpoint then builtins.match "(https?)://([^/]+).*" c.endpoint else null;
      query = lib.optional (c ? region) "region=${c.region}"
        ++ lib.optionals (endpoint != null) [ "endpoint=${builtins.elemAt endpoint 1}" "scheme=${builtins.elemAt endpoint 0}" ]
        ++ lib.optional (c ? profile) "profile=${c.profile}";
    in
    "s3://${c.bucket}" + lib.optionalString (query != [ ]) "?${lib.concatStringsSep "&" query}";

  # An attic cache named by `server` has its endpoint in ~/.config/attic/config.toml, which is not
  # read at evaluation time; its URL goes in substituters.extraUrls.
  cacheUrls = name: c:
    if c.type == "file" then [ "file://${expandHome c.path}" ]
    else if c.type == "s3" then [ (s3Url c) ]
    else if c.type == "attic" && c ? endpoint then [ "${lib.removeSuffix "/" c.endpoint}/${c.cache}" ]
    else [ ];

  atticByServer = lib.filterAttrs (_: c: c.type or "" == "attic" && !(c ? endpoint)) caches;

  # Paths outside the unit's StateDirectory=/CacheDirectory= that nix-watcher writes.
  writablePaths = lib.optional (cfg.settings ? state-dir) (expandHome cfg.settings.state-dir)
    ++ lib.concatLists (lib.mapAttrsToList (_: c: lib.optional (c.type or "" == "file" && c ? path) (expandHome c.path)) caches);

  secretKeys = [ "token-file" "signing-key-file" ];
  secretsInStore = lib.concatLists (lib.mapAttrsToList
    (name: c: lib.concatMap
      (key: lib.optional (c ? ${key} && (builtins.isPath c.${key} || lib.hasPrefix builtins.storeDir (toString c.${key}))) "caches.${name}.${key}")
      secretKeys)
    caches);

  # The metrics listener: from services.nix-watcher.metrics, unless settings.metrics.listen is given.
  metricsDefaults = cfg.metrics.enable && cfg.metrics.address == "127.0.0.1" && cfg.metrics.port == 9464;
  listenInSettings = cfg.settings ? metrics && cfg.settings.metrics ? listen;
  metricsHost = a: if builtins.match ".*:.*" a != null && !lib.hasPrefix "[" a then "[${a}]" else a;
  metricsListen = if cfg.metrics.enable then "${metricsHost cfg.metrics.address}:${toString cfg.metrics.port}" else "";
  withMetrics = if listenInSettings then cfg.settings
    else cfg.settings // { metrics = (cfg.settings.metrics or { }) // { listen = metricsListen; }; };

  # The retention schedule: [caches.NAME.retention] for the chosen file and s3 caches (all of them by default).
  collectable = lib.attrNames (lib.filterAttrs (_: c: lib.elem (c.type or "") [ "file" "s3" ]) caches);
  collected = if cfg.retention.caches == [ ] then collectable else cfg.retention.caches;
  retentionTable = { keep-days = cfg.retention.keepDays; interval = cfg.retention.interval; grace = cfg.retention.grace; };
  retentionProblems = lib.concatMap
    (name:
      if !(caches ? ${name}) then [ "retention.caches: there is no cache named '${name}'" ]
      else if !(lib.elem name collectable) then [ "retention.caches: '${name}' is an attic cache; the Attic server keeps its own retention (attic cache configure … --retention-period)" ]
      else lib.optional (caches.${name} ? retention) "settings.caches.${name}.retention and services.nix-watcher.retention both set its retention; use one")
    collected;
  renderedSettings = if !cfg.retention.enable then withMetrics
    else withMetrics // { caches = lib.mapAttrs (name: c: if lib.elem name collected then c // { retention = retentionTable; } else c) caches; };
  configFile = tomlFormat.generate "nix-watcher.toml" renderedSettings;

  # The nix.conf lines substituters.enable stands for; a setting with nothing to say is left out (an empty
  # `extra-trusted-public-keys =` line would be noise at best).
  substituterSettings = lib.filterAttrs (_: v: v != [ ]) {
    extra-substituters = lib.concatLists (lib.mapAttrsToList cacheUrls caches) ++ cfg.substituters.extraUrls;
    extra-trusted-public-keys = cfg.substituters.trustedPublicKeys;
    netrc-file = cfg.substituters.netrcFile;
  };
  nixConfLines = lib.mapAttrsToList (k: v: "${k} = ${if builtins.isList v then lib.concatStringsSep " " v else v}") substituterSettings;
  # home-manager writes nix.conf only with a nix.package (the NixOS module passes the system's; standalone
  # home-manager has none by default and fails an assertion for any nix.settings), and not with nix.enable off.
  hasNixPackage = (config.nix.enable or true) && (config.nix.package or null) != null;

  # systemd.user.tmpfiles: `rules` (lines) on the releases that have it, `settings` (NixOS' shape) on those
  # that moved to it.
  tmpfilesOptions = options.systemd.user.tmpfiles or { };
  # (Which attributes are defined may depend on `options`, never on `config`.)
  tmpfilesConfig =
    if tmpfilesOptions ? rules then { systemd.user.tmpfiles.rules = map (path: "d ${path} 0700 - - -") writablePaths; }
    else if tmpfilesOptions ? settings then {
      systemd.user.tmpfiles.settings = lib.mkIf (writablePaths != [ ]) {
        nix-watcher = lib.genAttrs writablePaths (_: { d = { mode = "0700"; user = "-"; group = "-"; age = "-"; }; });
      };
    }
    else {
      warnings = lib.optional (writablePaths != [ ])
        "services.nix-watcher: this home-manager has no systemd.user.tmpfiles; create ${lib.concatStringsSep ", " writablePaths} (mode 0700) yourself";
    };

  fileUnit = import ./unit.nix ../systemd/nix-watcher.service;
  exe = "${cfg.package}/bin/nix-watcher";
in
{
  options.services.nix-watcher = {
    enable = lib.mkEnableOption "nix-watcher, which pushes every new Nix store path to your binary caches";

    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.nix-watcher or (throw "services.nix-watcher.package: add the nix-watcher overlay or set this option");
      defaultText = lib.literalExpression "pkgs.nix-watcher";
      description = "The nix-watcher package.";
    };

    settings = lib.mkOption {
      type = tomlFormat.type;
      default = { };
      example = lib.literalExpression ''
        {
          watch.jobs = 4;
          caches.home = { type = "attic"; server = "home"; cache = "private"; };
          caches.minio = {
            type = "s3";
            bucket = "nix-cache";
            endpoint = "https://s3.homelab.local";
            profile = "nixbuilder";
            signing-key-file = "/home/alice/.config/nix/secret.key";
          };
        }
      '';
      description = ''
        nix-watcher's config.toml (docs/configuration.md). Empty means the built-in default: one zstd
        file cache at ~/.cache/nix-watcher/cache. Give secrets as file paths (strings) outside the store.
      '';
    };

    metrics = {
      enable = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = ''
          Serve Prometheus metrics on `/metrics` and a health check on `/healthz` (docs/metrics.md). Off
          renders `metrics.listen = ""`. Dashboard and alert rules: contrib/ (docs/operations.md, "Monitoring").
        '';
      };

      address = lib.mkOption {
        type = lib.types.str;
        default = "127.0.0.1";
        example = "::1";
        description = ''
          Address the metrics listener binds (an IPv6 address is bracketed for you). Loopback by default: the
          endpoint has no authentication, so expose it only to a network you trust.
        '';
      };

      port = lib.mkOption {
        type = lib.types.port;
        default = 9464;
        description = "Port of the metrics listener; 0 picks a free one, which the daemon logs (`serving metrics on …`).";
      };
    };

    retention = {
      enable = lib.mkEnableOption ''
        the daemon's scheduled, closure-safe `gc` of the file and s3 caches: it renders
        `[caches.NAME.retention]` (docs/configuration.md) for each cache of `retention.caches`'';

      keepDays = lib.mkOption {
        type = lib.types.ints.between 2 36500;
        default = 30;
        description = ''
          Narinfos modified (published, or refreshed by a writer that relied on them) within this many days stay,
          with their whole closures. At least 2, so that no collection deletes what a running push relies on.
        '';
      };

      interval = lib.mkOption {
        type = lib.types.str;
        default = "1d";
        example = "12h";
        description = "Time between two collections of a cache (a number and s, m, h or d; at least 1h).";
      };

      grace = lib.mkOption {
        type = lib.types.str;
        default = "24h";
        description = "Everything modified within this stays (at least 1h): a NAR goes up before its narinfo.";
      };

      caches = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
        example = [ "minio" ];
        description = "The caches to collect; empty means every file and s3 cache. Attic servers keep their own retention.";
      };
    };

    substituters = {
      enable = lib.mkEnableOption ''
        reading from the configured caches on this machine: a netrc file from the token files, and the nix.conf
        lines in nix.settings where home-manager has a nix.package (under NixOS), otherwise in a warning'';

      netrcFile = lib.mkOption {
        type = lib.types.str;
        default = "${config.xdg.configHome}/nix/netrc";
        defaultText = lib.literalExpression ''"''${config.xdg.configHome}/nix/netrc"'';
        description = "Where `nix-watcher netrc` writes the netrc (mode 0600) when the user session starts.";
      };

      trustedPublicKeys = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
        example = [ "alice-nix-watcher-1:AAAA…=" "home-private:BBBB…=" ];
        description = ''
          Public keys of the caches (the signing keys' public halves, printed by `nix-watcher netrc`, and
          each attic cache's key from `attic cache info`). Secret key files are not read at evaluation.
        '';
      };

      extraUrls = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
        example = [ "https://attic.example.com/private" ];
        description = "Substituter URLs that cannot be derived from settings (attic caches given by `server`).";
      };
    };
  };

  config = lib.mkIf cfg.enable (lib.mkMerge [
    {
      assertions = [
        {
          assertion = secretsInStore == [ ];
          message = "services.nix-watcher.settings: ${lib.concatStringsSep ", " secretsInStore} must be a path string outside the Nix store (the store is world-readable)";
        }
        {
          assertion = !cfg.retention.enable || retentionProblems == [ ];
          message = "services.nix-watcher: ${lib.concatStringsSep "; " retentionProblems}";
        }
        {
          assertion = !listenInSettings || metricsDefaults;
          message = "services.nix-watcher: settings.metrics.listen and services.nix-watcher.metrics.* both set the metrics listener; use metrics.enable, metrics.address and metrics.port only";
        }
      ];

      home.packages = [ cfg.package ];

      systemd.user.services.nix-watcher = fileUnit // {
        Service = fileUnit.Service // {
          ExecStart = "${exe} --config ${configFile} run";
          ReadWritePaths = fileUnit.Service.ReadWritePaths ++ map (path: "-${path}") writablePaths;
        };
        Unit = fileUnit.Unit // { X-Restart-Triggers = [ "${configFile}" ]; };
      };
    }

    tmpfilesConfig

    (lib.mkIf cfg.substituters.enable {
      warnings = lib.mapAttrsToList
        (name: c: "services.nix-watcher: caches.${name} names attic server '${c.server}'; add its URL to services.nix-watcher.substituters.extraUrls")
        (lib.filterAttrs (_: c: !(lib.any (url: lib.hasSuffix "/${c.cache}" url) cfg.substituters.extraUrls)) atticByServer)
        ++ lib.optional (!hasNixPackage) ''
          services.nix-watcher.substituters: home-manager writes nix.conf only when nix.package is set (and nix.enable); put these lines in ~/.config/nix/nix.conf (or /etc/nix/nix.conf) yourself:
          ${lib.concatStringsSep "\n" nixConfLines}'';

      nix.settings = lib.mkIf hasNixPackage substituterSettings;

      # Offline: reads the config, attic's config.toml and the token files; no network.
      systemd.user.services.nix-watcher-netrc = {
        Unit.Description = "Write the netrc for reading nix-watcher's caches";
        Service = {
          Type = "oneshot";
          RemainAfterExit = true;
          ExecStart = "${exe} --config ${configFile} netrc --output ${cfg.substituters.netrcFile}";
        };
        Install.WantedBy = [ "default.target" ];
      };
    })
  ]);
}
