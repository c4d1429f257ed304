using System.Collections;
using Tomlyn.Parsing;
using Tomlyn.Syntax;
using Watcher.Core;

namespace Watcher.Config;

/// <summary>
/// Finds, parses and validates <c>config.toml</c> into <see cref="WatcherOptions"/>, or falls back to the
/// built-in default when there is no file. Every problem in a file is reported in one
/// <see cref="ConfigException"/>, one <c>file:line:column: message</c> per line.
/// </summary>
/// <remarks>
/// Binding walks Tomlyn's syntax tree rather than using <c>TomlSerializer</c>: the serializer stops at the
/// first type error, drops positions and ignores unknown keys, and the rules here (unknown keys are
/// errors, keys depend on a cache's <c>type</c>) need all three.
/// </remarks>
internal static class ConfigLoader
{
    /// <summary>The name used in messages about the built-in default config, which has no file.</summary>
    public const string BuiltInDefaultName = "built-in default config";

    /// <summary>Loads the config with the process's environment.</summary>
    public static WatcherOptions Load(string? configPath) => Load(configPath, ProcessEnvironment());

    /// <summary>Loads the config.</summary>
    /// <param name="configPath"><c>--config</c>, or <see langword="null"/> for <c>NIX_WATCHER_CONFIG</c> or
    /// <c>$XDG_CONFIG_HOME/nix-watcher/config.toml</c>. A file named by either of the first two must exist.</param>
    /// <param name="environment">The environment (<c>HOME</c>, <c>XDG_*</c>, <c>NIX_WATCHER_CONFIG</c>).</param>
    /// <exception cref="ConfigException">The config is missing, unreadable or invalid.</exception>
    public static WatcherOptions Load(string? configPath, IReadOnlyDictionary<string, string?> environment)
    {
        var paths = new ConfigPaths(environment);
        (string file, bool mustExist) = configPath is not null
            ? (Path.GetFullPath(configPath), true)
            : paths.DefaultConfigFile;

        if (Directory.Exists(file))
        {
            throw new ConfigException($"{file}: the config file is a directory");
        }

        if (!File.Exists(file))
        {
            if (mustExist)
            {
                throw new ConfigException($"{file}: the config file does not exist");
            }

            return CreateDefault(paths);
        }

        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{file}: the config file cannot be read: {ex.Message}", ex);
        }

        return Parse(text, file, paths);
    }

    /// <summary>Parses and validates config text as if read from <paramref name="file"/>.</summary>
    public static WatcherOptions Parse(string text, string file, ConfigPaths paths)
    {
        var errors = new ConfigErrors(file);
        DocumentSyntax document = SyntaxParser.Parse(text, file, validate: true);
        if (document.HasErrors)
        {
            foreach (DiagnosticMessage diagnostic in document.Diagnostics)
            {
                if (diagnostic.Kind == DiagnosticMessageKind.Error)
                {
                    errors.Add(ConfigPosition.From(diagnostic.Span), $"invalid TOML: {TomlErrorText.WithoutValues(diagnostic.Message)}");
                }
            }

            errors.ThrowIfAny();
        }

        string baseDirectory = Path.GetDirectoryName(file) ?? Directory.GetCurrentDirectory();
        return new ConfigBinder(paths, errors, baseDirectory).Bind(TomlNode.FromDocument(document), file);
    }

    /// <summary>The config used when there is no file: one zstd <c>file</c> cache named <c>local</c>.</summary>
    public static WatcherOptions CreateDefault(ConfigPaths paths)
    {
        var errors = new ConfigErrors(BuiltInDefaultName);
        var binder = new ConfigBinder(paths, errors, paths.Home);
        WatcherOptions options = new()
        {
            StateDir = paths.DefaultStateDirectory,
            Watch = new WatchOptions { Roots = binder.DefaultRoots() },
            Caches = [binder.DefaultLocalCache(new WatchOptions().Jobs, position: null)],
        };

        // An existing default key is still checked: a corrupt key should fail here, not at the first upload.
        errors.ThrowIfAny();
        return options;
    }

    private static Dictionary<string, string?> ProcessEnvironment()
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            environment[(string)entry.Key] = entry.Value as string;
        }

        return environment;
    }
}
