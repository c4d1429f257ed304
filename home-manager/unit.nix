# Reads systemd/nix-watcher.service into home-manager's unit format
# ({ Unit = { Key = "value"; }; Service = { Key = [ "a" "b" ]; }; … }), so the unit the module installs
# carries exactly the settings of the plain unit file. A key that appears more than once becomes a list
# (home-manager writes a list as repeated keys). Uses builtins only.
unitFile:
let
  lines = builtins.filter builtins.isString (builtins.split "\n" (builtins.readFile unitFile));
  step = acc: line:
    let
      section = builtins.match "[[]([A-Za-z]+)[]][[:space:]]*" line;
      entry = builtins.match "([A-Za-z][A-Za-z0-9-]*)=(.*)" line;
    in
    if section != null then acc // { current = builtins.head section; }
    else if entry == null then acc
    else
      let
        key = builtins.elemAt entry 0;
        value = builtins.elemAt entry 1;
        sectionAttrs = acc.sections.${acc.current} or { };
        previous = sectionAttrs.${key} or null;
        merged =
          if previous == null then value
          else if builtins.isList previous then previous ++ [ value ]
          else [ previous value ];
      in
      acc // { sections = acc.sections // { ${acc.current} = sectionAttrs // { ${key} = merged; }; }; };
in
(builtins.foldl' step { current = "none"; sections = { }; } lines).sections
