# Reads systemd/nix-watcher.service into home-manager's unit format
# ({ Unit = { Key = "value"; }; Service = { Key = [ "a" "b" ]; }; … }), so the unit the module installs
# carries exactly the settings of the plain unit file. A key that appears more than once, and a key that
# home-manager or systemd treats as a list (the [Install] dependencies, the *Paths= sandbox keys), is a
# list even when the file has it once: home-manager maps over Install.WantedBy and Install.RequiredBy, and
# writes every list as repeated keys. Uses builtins only.
unitFile:
let
  listKeys = [
    "WantedBy" "RequiredBy" "UpheldBy" "Also" "Alias"
    "ReadWritePaths" "ReadOnlyPaths" "InaccessiblePaths" "ExecPaths" "NoExecPaths" "BindPaths" "BindReadOnlyPaths"
  ];
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
          if previous == null then (if builtins.elem key listKeys then [ value ] else value)
          else if builtins.isList previous then previous ++ [ value ]
          else [ previous value ];
      in
      acc // { sections = acc.sections // { ${acc.current} = sectionAttrs // { ${key} = merged; }; }; };
in
(builtins.foldl' step { current = "none"; sections = { }; } lines).sections
