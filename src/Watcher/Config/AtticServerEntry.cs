namespace Watcher.Config;

/// <summary>One <c>[servers.&lt;name&gt;]</c> entry of attic's client config, without its token.</summary>
/// <param name="Name">The server name.</param>
/// <param name="Endpoint">The <c>endpoint</c> value as written (validated by the caller).</param>
/// <param name="TokenFile">The <c>token-file</c> value, if any.</param>
internal sealed record AtticServerEntry(string Name, string? Endpoint, string? TokenFile);
