using Watcher.Core;

namespace Watcher.Config;

/// <summary>
/// The XDG base directories and Watcher's default files, computed from an explicit environment (not the
/// process's) so that tests can point them anywhere, plus <c>~</c> expansion for path keys.
/// </summary>
internal sealed class ConfigPaths
{
    private readonly IReadOnlyDictionary<string, string?> _environment;

    public ConfigPaths(IReadOnlyDictionary<string, string?> environment)
    {
        _environment = environment;
    }

    /// <summary><c>$HOME</c>; a config error when unset, as nothing sensible can be defaulted without it.</summary>
    public string Home => Absolute(ConfigKeys.EnvHome)
        ?? throw new ConfigException($"${ConfigKeys.EnvHome} is not set (or not absolute), so the default paths cannot be found");

    public string ConfigHome => XdgDirectory(ConfigKeys.EnvXdgConfigHome, ".config");

    public string CacheHome => XdgDirectory(ConfigKeys.EnvXdgCacheHome, ".cache");

    public string StateHome => XdgDirectory(ConfigKeys.EnvXdgStateHome, System.IO.Path.Combine(".local", "state"));

    /// <summary>The file used when no <c>--config</c> is given, and whether it was named by <c>NIX_WATCHER_CONFIG</c>.</summary>
    public (string File, bool FromEnvironment) DefaultConfigFile =>
        _environment.GetValueOrDefault(ConfigKeys.EnvConfigFile) is { Length: > 0 } fromEnvironment
            ? (System.IO.Path.GetFullPath(fromEnvironment), true)
            : (System.IO.Path.Combine(ConfigHome, ConfigKeys.AppDirectoryName, ConfigKeys.ConfigFileName), false);

    public string DefaultSigningKeyFile => System.IO.Path.Combine(ConfigHome, ConfigKeys.AppDirectoryName, ConfigKeys.SigningKeyFileName);

    public string DefaultCacheDirectory => System.IO.Path.Combine(CacheHome, ConfigKeys.AppDirectoryName, "cache");

    public string DefaultStateDirectory => System.IO.Path.Combine(StateHome, ConfigKeys.AppDirectoryName);

    /// <summary>attic's client config (attic <c>client/src/config.rs</c>): <c>$XDG_CONFIG_HOME/attic/config.toml</c>.</summary>
    public string AtticConfigFile => System.IO.Path.Combine(ConfigHome, ConfigKeys.AtticDirectoryName, ConfigKeys.ConfigFileName);

    /// <summary>
    /// Expands a leading <c>~</c> or <c>~/</c> to <c>$HOME</c> and makes a relative path absolute against
    /// <paramref name="baseDirectory"/> (the config file's directory, so a config can travel with its keys).
    /// </summary>
    public string Expand(string path, string baseDirectory)
    {
        if (path == "~")
        {
            return Home;
        }

        if (path.StartsWith("~/", StringComparison.Ordinal))
        {
            return System.IO.Path.Join(Home, path.AsSpan(2));
        }

        return System.IO.Path.GetFullPath(path, baseDirectory);
    }

    private string XdgDirectory(string variable, string fallbackUnderHome) =>
        // The XDG spec says relative values are invalid and must be ignored.
        Absolute(variable) ?? System.IO.Path.Combine(Home, fallbackUnderHome);

    private string? Absolute(string variable) =>
        _environment.GetValueOrDefault(variable) is { Length: > 0 } value && System.IO.Path.IsPathRooted(value) ? value : null;
}
