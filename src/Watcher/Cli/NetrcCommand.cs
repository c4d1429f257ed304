using System.CommandLine;
using System.Text;
using Watcher.Caches;
using Watcher.Config;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Cli;

/// <summary>
/// <c>nix-watcher netrc [--output FILE]</c>: what a machine needs to <em>read</em> the configured caches,
/// computed offline from the config and attic's <c>config.toml</c>: netrc entries for attic servers
/// (Nix sends the netrc password as HTTP Basic auth, which atticd accepts as the token) and the
/// <c>extra-substituters</c> / <c>extra-trusted-public-keys</c> lines for <c>nix.conf</c>.
/// </summary>
/// <remarks>
/// The netrc text carries tokens, so with <c>--output</c> it goes only to that file (mode 0600, written
/// to a temporary name and renamed) and stdout gets the <c>nix.conf</c> lines alone. Attic signs on the
/// server, so an attic cache's public key cannot be known offline; a comment says where to get it.
/// </remarks>
internal static class NetrcCommand
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static readonly Option<string?> OutputOption = new("--output")
    {
        Description = "Write the netrc entries to this file (mode 0600) and print only the nix.conf lines",
    };

    public static Command Create()
    {
        var command = new Command("netrc", "Print (or write) the netrc entries and nix.conf lines for reading the configured caches; offline");
        command.Options.Add(OutputOption);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(WatcherCli.ConfigOption), parse.GetValue(OutputOption), ct));
        return command;
    }

    private static async Task<int> RunAsync(string? configPath, string? output, CancellationToken cancellationToken)
    {
        WatcherOptions options = ConfigLoader.Load(configPath);
        Content content = Build(options);
        foreach (string warning in content.Warnings)
        {
            await Console.Error.WriteLineAsync("nix-watcher: " + warning);
        }

        var stdout = new StringBuilder();
        if (output is null)
        {
            stdout.Append("# netrc (nix.conf: netrc-file = <this file>)\n");
            foreach (string line in content.NetrcLines)
            {
                stdout.Append(line).Append('\n');
            }
        }
        else
        {
            string file = Path.GetFullPath(output);
            try
            {
                await WriteOwnerOnlyAsync(file, string.Concat(content.NetrcLines.Select(l => l + "\n")), cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"nix-watcher: {file}: cannot write the netrc file: {ex.Message}");
                return ExitCodes.Failures;
            }

            stdout.Append("netrc-file = ").Append(file).Append('\n');
        }

        stdout.Append(content.NixConf());
        await Console.Out.WriteAsync(stdout.ToString());
        return ExitCodes.Ok;
    }

    /// <summary>Computes the netrc entries and nix.conf lines for <paramref name="options"/>.</summary>
    /// <exception cref="ConfigException">A token or signing key file cannot be read.</exception>
    public static Content Build(WatcherOptions options)
    {
        var netrc = new List<string>();
        var tokensByHost = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var substituters = new List<string>();
        var keys = new List<string>();
        var comments = new List<string>();
        var warnings = new List<string>();
        foreach (CacheOptions cache in options.Caches)
        {
            switch (cache)
            {
                case FileCacheOptions file:
                    substituters.Add(new Uri(file.Path).AbsoluteUri);
                    AddPublicKey(file, keys, comments);
                    break;
                case S3CacheOptions s3:
                    substituters.Add(S3Substituter(s3));
                    AddPublicKey(s3, keys, comments);
                    break;
                case AtticCacheOptions attic:
                    substituters.Add(AtticSubstituter(attic));
                    comments.Add(attic.Server is { } server
                        ? $"# attic cache '{attic.Name}': add its public key, shown by 'attic cache info {server}:{attic.Cache}'"
                        : $"# attic cache '{attic.Name}': add its public key, the public_key of GET {AtticBase(attic)}_api/v1/cache-config/{attic.Cache}");
                    if (AtticToken(attic) is { } token)
                    {
                        string host = attic.Endpoint.Host;
                        if (!tokensByHost.TryGetValue(host, out string? existing))
                        {
                            tokensByHost[host] = token;
                            netrc.Add($"machine {host} password {token}");
                        }
                        else if (existing != token)
                        {
                            warnings.Add($"caches.{attic.Name}: another attic cache on {host} uses a different token; netrc holds one per host, so the first one is used");
                        }
                    }

                    break;
            }
        }

        return new Content(netrc, substituters.Distinct(StringComparer.Ordinal).ToList(), keys.Distinct(StringComparer.Ordinal).ToList(), comments, warnings);
    }

    /// <summary>Nix's S3 store URL (<c>s3://bucket?region=…&amp;endpoint=host:port&amp;scheme=…&amp;profile=…</c>).</summary>
    internal static string S3Substituter(S3CacheOptions s3)
    {
        var query = new List<string>();
        if (s3.Region is { } region)
        {
            query.Add("region=" + Uri.EscapeDataString(region));
        }

        if (s3.Endpoint is { } endpoint)
        {
            query.Add("endpoint=" + endpoint.Authority);
            query.Add("scheme=" + endpoint.Scheme);
        }

        if (s3.Profile is { } profile)
        {
            query.Add("profile=" + Uri.EscapeDataString(profile));
        }

        return "s3://" + s3.Bucket + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query));
    }

    /// <summary>atticd serves each cache as a binary cache at <c>{endpoint}/{cache}</c>.</summary>
    internal static string AtticSubstituter(AtticCacheOptions attic) => AtticBase(attic) + attic.Cache;

    private static string AtticBase(AtticCacheOptions attic)
    {
        string endpoint = attic.Endpoint.AbsoluteUri;
        return endpoint.EndsWith('/') ? endpoint : endpoint + "/";
    }

    private static void AddPublicKey(SignedCacheOptions cache, List<string> keys, List<string> comments)
    {
        if (!File.Exists(cache.SigningKeyFile))
        {
            // Only the default key may be missing here: the loader rejected any other missing key file.
            comments.Add($"# cache '{cache.Name}': its signing key {cache.SigningKeyFile} is created on the first push; run this again then");
            return;
        }

        using NixSecretKey key = SigningKeys.Load(cache.SigningKeyFile);
        keys.Add(key.PublicKey.ToString());
    }

    private static string? AtticToken(AtticCacheOptions attic)
    {
        if (attic.TokenFile is { } tokenFile)
        {
            try
            {
                string token = File.ReadAllText(tokenFile).Trim();
                return token.Length == 0 ? null : token;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException($"caches.{attic.Name}: cannot read the token file '{tokenFile}' ({ex.GetType().Name})", ex);
            }
        }

        return attic is { AtticConfigFile: { } configFile, Server: { } server } ? InlineAtticToken(configFile, server) : null;
    }

    // The loader validated this file and never keeps tokens, so the inline token is read here, once.
    private static string? InlineAtticToken(string configFile, string server)
    {
        try
        {
            AtticConfigDocument document = AtticConfigDocument.Parse(File.ReadAllText(configFile)).ThrowIfInvalid();
            return document.GetString(server, ConfigKeys.AtticToken) is { Length: > 0 } text ? text.Trim() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            string why = ex is InvalidDataException ? ex.Message : ex.GetType().Name;
            throw new ConfigException($"attic's config '{configFile}' cannot be read ({why})", ex);
        }
    }

    private static async Task WriteOwnerOnlyAsync(string file, string text, CancellationToken cancellationToken)
    {
        string temp = file + ".tmp-" + Environment.ProcessId;
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnlyFile };
        try
        {
            await using (var writer = new StreamWriter(temp, new UTF8Encoding(false), options))
            {
                await writer.WriteAsync(text.AsMemory(), cancellationToken);
            }

            File.Move(temp, file, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The result of <see cref="Build"/>.</summary>
    internal sealed record Content(
        IReadOnlyList<string> NetrcLines,
        IReadOnlyList<string> Substituters,
        IReadOnlyList<string> PublicKeys,
        IReadOnlyList<string> Comments,
        IReadOnlyList<string> Warnings)
    {
        /// <summary>The <c>nix.conf</c> lines; <c>extra-</c> so that cache.nixos.org stays.</summary>
        public string NixConf()
        {
            var text = new StringBuilder("# nix.conf\n");
            text.Append("extra-substituters = ").AppendJoin(' ', Substituters).Append('\n');
            if (PublicKeys.Count > 0)
            {
                text.Append("extra-trusted-public-keys = ").AppendJoin(' ', PublicKeys).Append('\n');
            }

            foreach (string comment in Comments)
            {
                text.Append(comment).Append('\n');
            }

            return text.ToString();
        }
    }
}
