namespace Watcher.Config;

/// <summary>The <c>type = "attic"</c> part of <see cref="ConfigBinder"/>.</summary>
internal sealed partial class ConfigBinder
{
    private AtticCacheOptions? BindAttic(TableReader reader, CommonCacheSettings common)
    {
        string prefix = reader.Table.Path + ".";
        string? server = reader.GetString(ConfigKeys.Server);
        string? cache = reader.GetString(ConfigKeys.Cache);
        Uri? endpoint = GetUrl(reader, ConfigKeys.Endpoint);
        TomlNode? tokenNode = reader.Find(ConfigKeys.TokenFile);
        string? tokenFile = GetSecretPath(reader, ConfigKeys.TokenFile);
        Uri? uploadEndpoint = GetUrl(reader, ConfigKeys.UploadEndpoint);
        bool skipUpstreamSigned = reader.GetBoolean(ConfigKeys.SkipUpstreamSigned) ?? AtticCacheOptions.DefaultSkipUpstreamSigned;
        bool ok = tokenNode is null || tokenFile is not null;

        if (tokenFile is not null && SecretFileChecks.CheckTokenFile(tokenFile) is { } tokenProblem)
        {
            _errors.Add(TableReader.ValuePosition(tokenNode!), $"'{prefix}{ConfigKeys.TokenFile}': {tokenProblem}");
            ok = false;
        }

        if (string.IsNullOrEmpty(cache))
        {
            RequireKey(reader, ConfigKeys.Cache, "the cache name on the attic server");
            ok = false;
        }

        TomlNode? serverNode = reader.Table[ConfigKeys.Server];
        TomlNode? endpointNode = reader.Table[ConfigKeys.Endpoint];
        string? atticConfigFile = null;
        if (serverNode is not null && endpointNode is not null)
        {
            _errors.Add(endpointNode, $"set either '{prefix}{ConfigKeys.Server}' or '{prefix}{ConfigKeys.Endpoint}', not both");
            ok = false;
        }
        else if (serverNode is null && endpointNode is null)
        {
            _errors.Add(reader.Table, $"missing required key '{prefix}{ConfigKeys.Server}' (a server in attic's config.toml) or '{prefix}{ConfigKeys.Endpoint}' (the attic API URL)");
            ok = false;
        }
        else if (server is not null)
        {
            AtticServerEntry? entry = ResolveAtticServer(serverNode!, server);
            endpoint = ParseAtticEndpoint(serverNode!, entry);
            atticConfigFile = _atticConfig?.File;
            if (tokenNode is null && entry?.TokenFile is { } atticTokenFile)
            {
                tokenFile = atticTokenFile;
                if (SecretFileChecks.CheckTokenFile(atticTokenFile) is { } problem)
                {
                    _errors.Add(TableReader.ValuePosition(serverNode!), $"'{prefix}{ConfigKeys.Server}': the token-file of attic server '{server}': {problem}");
                }
            }
        }

        if (!ok || endpoint is null || cache is null)
        {
            return null;
        }

        return new AtticCacheOptions
        {
            Name = reader.Table.Name, Jobs = common.Jobs, SkipSignedBy = common.SkipSignedBy, Retry = common.Retry, MaxUploadRate = common.MaxUploadRate, Server = server, Cache = cache,
            Endpoint = endpoint, TokenFile = tokenFile, AtticConfigFile = atticConfigFile, UploadEndpoint = uploadEndpoint,
            SkipUpstreamSigned = skipUpstreamSigned,
        };
    }

    private AtticServerEntry? ResolveAtticServer(TomlNode serverNode, string server)
    {
        _atticConfig ??= AtticClientConfig.Read(_paths.AtticConfigFile);
        ConfigPosition position = TableReader.ValuePosition(serverNode);
        if (_atticConfig.Problem is { } problem)
        {
            _errors.Add(position, $"'{serverNode.Path}': cannot look up attic server '{server}': {problem}");
            return null;
        }

        if (!_atticConfig.Servers.TryGetValue(server, out AtticServerEntry? entry))
        {
            string known = _atticConfig.Servers.Count == 0 ? "none" : string.Join(", ", _atticConfig.Servers.Keys.Order(StringComparer.Ordinal));
            _errors.Add(position, $"'{serverNode.Path}': attic server '{server}' is not in '{_atticConfig.File}' (servers there: {known}; see 'attic login')");
            return null;
        }

        return entry;
    }

    private Uri? ParseAtticEndpoint(TomlNode serverNode, AtticServerEntry? entry)
    {
        if (entry is null)
        {
            return null;
        }

        if (Uri.TryCreate(entry.Endpoint, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return uri;
        }

        _errors.Add(TableReader.ValuePosition(serverNode), $"'{serverNode.Path}': attic server '{entry.Name}' in '{_atticConfig?.File}' has no valid http(s) endpoint");
        return null;
    }
}
