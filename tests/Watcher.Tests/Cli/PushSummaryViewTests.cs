using System.Text.Json;
using Watcher.Cli;
using Watcher.Cli.Display;
using Watcher.Tests.Cli.Display;

namespace Watcher.Tests.Cli;

public sealed class PushSummaryViewTests : IDisposable
{
    private static readonly PushSummary Summary = new(
    [
        new CachePushSummary("local", 10, 3, 5, 1, 2, 1, 9000, 3 << 20, 1.5, [new PathFailure("/nix/store/x", "forbidden", "no")]),
        new CachePushSummary("s3", 10, 0, 10, 0, 2, 0, 0, 0, 0.2, []),
    ]);

    private readonly StringWriter _out = new();

    public void Dispose() => _out.Dispose();

    [Fact]
    public async Task WriteAsync_NotATerminal_OneLinePerCacheThatScriptsCanGrep()
    {
        await PushSummaryView.WriteAsync(Summary, new ConsoleOutput(_out, TextWriter.Null), json: false);

        Assert.Equal(
            "local: 3 pushed, 6 already present, 1 failed; 2 filtered, 3.0 MiB in 1.5 s\n" +
            "s3: 0 pushed, 10 already present, 0 failed; 2 filtered, 0 B in 0.2 s\n",
            _out.ToString());
    }

    [Fact]
    public async Task WriteAsync_Terminal_TableWithAColumnPerFigure()
    {
        using var terminal = new TestTerminal();

        await PushSummaryView.WriteAsync(Summary, new ConsoleOutput(_out, TextWriter.Null, tables: terminal.Console), json: false);

        Assert.Empty(_out.ToString());
        var lines = terminal.Output.Split('\n');
        Assert.Contains(lines, l => l.Contains("cache", StringComparison.Ordinal) && l.Contains("pushed", StringComparison.Ordinal) && l.Contains("already present", StringComparison.Ordinal)
            && l.Contains("filtered", StringComparison.Ordinal) && l.Contains("failed", StringComparison.Ordinal) && l.Contains("uploaded", StringComparison.Ordinal) && l.Contains("time", StringComparison.Ordinal));
        Assert.Contains(lines, l => Cells(l).SequenceEqual(["local", "3", "6", "2", "1", "3.0 MiB", "1.5 s"]));
        Assert.Contains(lines, l => Cells(l).SequenceEqual(["s3", "0", "10", "2", "0", "0 B", "0.2 s"]));
    }

    [Fact]
    public async Task WriteAsync_Json_TheSummaryEvenWhenQuiet()
    {
        await PushSummaryView.WriteAsync(Summary, new ConsoleOutput(_out, TextWriter.Null, quiet: true), json: true);

        using var json = JsonDocument.Parse(_out.ToString());
        var local = json.RootElement.GetProperty("caches")[0];
        Assert.Equal(3, local.GetProperty("pushed").GetInt32());
        Assert.Equal(3 << 20, local.GetProperty("uploaded_bytes").GetInt64());
        Assert.Equal("forbidden", local.GetProperty("failures")[0].GetProperty("reason").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("failed").GetInt32());
    }

    [Fact]
    public async Task WriteAsync_Quiet_PrintsNothing()
    {
        await PushSummaryView.WriteAsync(Summary, new ConsoleOutput(_out, TextWriter.Null, quiet: true), json: false);

        Assert.Empty(_out.ToString());
    }

    private static string[] Cells(string line) =>
        line.Split('│', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
