namespace Watcher.Store;

/// <summary>What the nix-daemon said about itself in the handshake, for <c>nix-watcher check -v</c>.</summary>
/// <param name="NixVersion">Its Nix version (protocol ≥ 1.33), e.g. <c>2.8.0</c>; null for older daemons.</param>
/// <param name="ProtocolVersion">The protocol version in use: the lower of the daemon's and ours.</param>
/// <param name="DaemonProtocolVersion">The newest protocol version the daemon speaks.</param>
/// <param name="Trusted">Whether the daemon trusts this user (protocol ≥ 1.35); null when it does not say.</param>
internal sealed record DaemonInfo(string? NixVersion, int ProtocolVersion, int DaemonProtocolVersion, bool? Trusted)
{
    /// <summary>One line, e.g. "Nix 2.8.0, protocol 1.34 (the daemon speaks 1.34, nix-watcher up to 1.38)".</summary>
    public override string ToString()
    {
        string trusted = Trusted switch
        {
            true => ", trusted user",
            false => ", not a trusted user",
            null => string.Empty,
        };
        return $"Nix {NixVersion ?? "(version not sent: protocol older than 1.33)"}, protocol {WorkerProtocol.Format(ProtocolVersion)} " +
            $"(the daemon speaks {WorkerProtocol.Format(DaemonProtocolVersion)}, nix-watcher up to {WorkerProtocol.Format(WorkerProtocol.LatestVersion)}){trusted}";
    }
}
