# Evaluates home-manager/module.nix without nixpkgs or home-manager, which cannot be installed here:
# a stand-in for the few `lib` functions, `lib.types` and `pkgs.formats.toml` the module uses, and a
# small evaluator (option defaults, type checks, mkIf/mkMerge, assertions). The TOML renderer writes
# real TOML for what nix-watcher's config needs: tables, strings, integers, booleans, arrays.
#
#   nix-instantiate --eval --strict --json hm-eval.nix --arg user '{ settings = …; }'
{ module ? ../../../home-manager/module.nix
, user ? { }
, home ? "/home/alice"
}:
let
  inherit (builtins) isAttrs isList isString isBool isInt isFloat attrNames filter concatStringsSep
    mapAttrs listToAttrs foldl' substring stringLength toJSON typeOf;

  lib = rec {
    mkOption = attrs: attrs // { _type = "option"; };
    mkEnableOption = name: mkOption { type = types.bool; default = false; description = "Whether to enable ${name}."; };
    mkIf = condition: content: { _type = "if"; inherit condition content; };
    mkMerge = contents: { _type = "merge"; inherit contents; };
    literalExpression = text: { _type = "literalExpression"; inherit text; };
    types = {
      bool = { name = "bool"; check = isBool; };
      str = { name = "str"; check = isString; };
      port = { name = "16 bit unsigned integer; between 0 and 65535 (both inclusive)"; check = v: isInt v && v >= 0 && v <= 65535; };
      package = { name = "package"; check = v: isAttrs v && v ? outPath; };
      listOf = t: { name = "listOf ${t.name}"; check = v: isList v && builtins.all t.check v; };
      ints.between = lowest: highest: { name = "integer between ${toString lowest} and ${toString highest} (both inclusive)"; check = v: isInt v && v >= lowest && v <= highest; };
    };
    hasPrefix = prefix: s: substring 0 (stringLength prefix) s == prefix;
    hasSuffix = suffix: s: stringLength s >= stringLength suffix
      && substring (stringLength s - stringLength suffix) (stringLength suffix) s == suffix;
    removePrefix = prefix: s: if hasPrefix prefix s then substring (stringLength prefix) (stringLength s) s else s;
    removeSuffix = suffix: s: if hasSuffix suffix s then substring 0 (stringLength s - stringLength suffix) s else s;
    optional = cond: x: if cond then [ x ] else [ ];
    optionals = cond: xs: if cond then xs else [ ];
    optionalString = cond: s: if cond then s else "";
    inherit concatStringsSep;
    concatLists = builtins.concatLists;
    concatMap = builtins.concatMap;
    any = builtins.any;
    elem = builtins.elem;
    attrNames = builtins.attrNames;
    mapAttrs = builtins.mapAttrs;
    mapAttrsToList = f: attrs: map (n: f n attrs.${n}) (attrNames attrs);
    filterAttrs = pred: attrs: listToAttrs (map (n: { name = n; value = attrs.${n}; }) (filter (n: pred n attrs.${n}) (attrNames attrs)));
  };

  # TOML: scalars and arrays first, then sub-tables as [a.b] headers.
  bareKey = k: builtins.match "[A-Za-z0-9_-]+" k != null;
  tomlKey = k: if bareKey k then k else toJSON k;
  tomlValue = v:
    if isString v then toJSON v
    else if isBool v then (if v then "true" else "false")
    else if isInt v || isFloat v then toString v
    else if isList v then "[" + concatStringsSep ", " (map tomlValue v) + "]"
    else throw "hm-eval: no TOML rendering for a ${typeOf v}";
  isTable = v: isAttrs v;
  toTOML = path: attrs:
    let
      names = attrNames attrs;
      scalars = filter (n: !isTable attrs.${n}) names;
      tables = filter (n: isTable attrs.${n}) names;
      header = if path == [ ] || scalars == [ ] && tables != [ ] then "" else "[" + concatStringsSep "." (map tomlKey path) + "]\n";
      body = concatStringsSep "" (map (n: "${tomlKey n} = ${tomlValue attrs.${n}}\n") scalars);
    in
    header + body + concatStringsSep "" (map (n: "\n" + toTOML (path ++ [ n ]) attrs.${n}) tables);

  pkgs = {
    formats.toml = _: {
      type = { name = "TOML value"; check = isAttrs; };
      generate = name: value: builtins.toFile name (toTOML [ ] value);
    };
    nix-watcher = { outPath = "/nix/store/00000000000000000000000000000000-nix-watcher-0.1.0"; type = "derivation"; };
  };

  isOption = v: isAttrs v && (v._type or "") == "option";
  fill = where: options: values:
    mapAttrs
      (name: option:
        let here = "${where}.${name}"; in
        if isOption option then
          (if values ? ${name} then
            (if option.type.check values.${name} then values.${name} else throw "${here}: not a ${option.type.name}")
          else if option ? default then option.default else throw "${here}: no value and no default")
        else fill here option (values.${name} or { }))
      options;

  evaluated = import module { inherit lib pkgs config; };
  config = {
    services.nix-watcher = fill "services.nix-watcher" evaluated.options.services.nix-watcher ({ enable = true; } // user);
    home.homeDirectory = home;
    xdg.configHome = "${home}/.config";
  };

  isFalseIf = v: isAttrs v && (v._type or "") == "if" && !v.condition;
  merge = a: b: a // mapAttrs
    (n: v:
      if !(a ? ${n}) then v
      else if isList v then a.${n} ++ v
      else if isAttrs v && !(v ? outPath) then merge a.${n} v
      else throw "hm-eval: conflicting definitions of ${n}")
    b;
  resolve = v:
    if !isAttrs v then v
    else if (v._type or "") == "if" then resolve v.content
    else if (v._type or "") == "merge" then foldl' merge { } (map resolve (filter (x: !isFalseIf x) v.contents))
    else if v ? outPath then v
    else mapAttrs (_: resolve) (lib.filterAttrs (_: x: !isFalseIf x) v);
  result = if isFalseIf evaluated.config then { } else resolve evaluated.config;

  failed = filter (a: !a.assertion) (result.assertions or [ ]);
  execStart = result.systemd.user.services.nix-watcher.Service.ExecStart;
  configFile = builtins.head (builtins.match ".* --config ([^ ]+) run" execStart);
in
if failed != [ ] then throw (concatStringsSep "\n" (map (a: a.message) failed))
else {
  # The file the unit's ExecStart names: what the service would really read.
  configFile = configFile;
  toml = builtins.readFile configFile;
  service = result.systemd.user.services.nix-watcher;
  netrcService = result.systemd.user.services.nix-watcher-netrc or null;
  nixSettings = result.nix.settings or null;
  tmpfiles = result.systemd.user.tmpfiles.rules or [ ];
  warnings = result.warnings or [ ];
  packages = map (p: p.outPath) (result.home.packages or [ ]);
}
