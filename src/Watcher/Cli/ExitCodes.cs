namespace Watcher.Cli;

/// <summary>Process exit codes (design.md "CLI"); 78 is sysexits' EX_CONFIG, which systemd units use to stop restarting.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failures = 1;
    public const int Usage = 2;
    public const int Config = 78;
}
