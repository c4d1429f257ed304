using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Cli;

/// <summary>
/// What <c>push</c> shows a person and a script: a live display then a summary table on a terminal; plain lines, one
/// per path, and a summary line or <c>--json</c> anywhere else; journald priorities when stderr is the journal.
/// </summary>
[Collection(NixCollection.Name)]
public sealed partial class PushOutputTests(NixFixture nix)
{
    [Fact]
    public async Task Push_Terminal_ShowsTheLiveDisplayThenEndsWithTheSummaryTable()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var outputs = await nix.BuildChainAsync(6, ct);

        var push = await PseudoTerminal.RunWatcherAsync(["push", outputs[^1]], home.Environment, ct);

        Assert.True(push.ExitCode == 0, push.StandardOutput);
        string raw = push.StandardOutput;
        string text = PseudoTerminal.Text(raw);
        Assert.Contains("\u001b[?25l", raw, StringComparison.Ordinal);
        Assert.Matches(@"local [0-6]/6 paths", text);
        int lastFrame = text.LastIndexOf("/6 paths", StringComparison.Ordinal);
        int header = text.LastIndexOf("already present", StringComparison.Ordinal);
        Assert.True(header > lastFrame, "the summary table does not follow the live display:\n" + text);
        string[] table = text[header..].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(table, l => Cells(l) is ["local", "6", "0", "0", "0", _, _]);
        Assert.Matches(@"╰[─┴]+╯\s*$", text);
        Assert.DoesNotContain("pushed /nix/store", text, StringComparison.Ordinal);
        Assert.DoesNotContain("local: 6 pushed", text, StringComparison.Ordinal);
        Assert.Equal(6, Directory.GetFiles(home.CacheDir, "*.narinfo").Length);
    }

    [Fact]
    public async Task Push_Redirected_PlainLineForEachPathAndTheSummaryLine()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var outputs = await nix.BuildChainAsync(5, ct);
        (await home.RunAsync(["push", outputs[1]], ct)).EnsureSuccess("first push");

        var push = await home.RunAsync(["push", outputs[^1]], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.Matches(@"^local: 3 pushed, 2 already present, 0 failed; 0 filtered, [0-9.]+ (B|KiB) in [0-9.]+ s\n$", push.StandardOutput);
        string[] lines = push.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("pushing a closure of 5 paths from 1 roots to 1 caches (0 excluded)", lines[0]);
        var pushed = lines.Skip(1).Select(l => PushedLine().Match(l)).ToList();
        Assert.All(pushed, m => Assert.True(m.Success, "not a line for a person:\n" + push.StandardError));
        Assert.Equal(outputs.Skip(2).Order(StringComparer.Ordinal), pushed.Select(m => m.Groups["path"].Value).Order(StringComparer.Ordinal));
        Assert.DoesNotContain('\u001b', push.StandardError);
    }

    [Fact]
    public async Task Push_Json_SummaryMatchesWhatTheCacheGot()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var outputs = await nix.BuildChainAsync(7, ct);
        (await home.RunAsync(["push", outputs[2]], ct)).EnsureSuccess("first push");
        var before = CacheFiles(home);

        var push = await home.RunAsync(["push", "--json", "--quiet", outputs[^1]], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.DoesNotContain("trusted-public-keys", push.StandardError, StringComparison.Ordinal);
        Assert.Empty(push.StandardError);
        using var json = JsonDocument.Parse(push.StandardOutput);
        Assert.Equal(0, json.RootElement.GetProperty("failed").GetInt32());
        var local = Assert.Single(json.RootElement.GetProperty("caches").EnumerateArray());
        var after = CacheFiles(home);
        var added = after.NarInfos.Except(before.NarInfos).ToList();
        Assert.Equal("local", local.GetProperty("name").GetString());
        Assert.Equal(7, local.GetProperty("paths").GetInt32());
        Assert.Equal(4, added.Count);
        Assert.Equal(added.Count, local.GetProperty("pushed").GetInt32());
        Assert.Equal(3, local.GetProperty("present").GetInt32());
        Assert.Equal(0, local.GetProperty("failed").GetInt32());
        Assert.Equal(after.NarBytes - before.NarBytes, local.GetProperty("uploaded_bytes").GetInt64());
        Assert.Equal(added.Sum(NarSize), local.GetProperty("nar_bytes").GetInt64());
        Assert.Empty(local.GetProperty("failures").EnumerateArray());
    }

    [Fact]
    public async Task Push_Quiet_PrintsNothingWhenAllIsWell()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var outputs = await nix.BuildChainAsync(2, ct);
        (await home.RunAsync(["push", outputs[0]], ct)).EnsureSuccess("first push");

        var push = await home.RunAsync(["push", "-q", outputs[^1]], ct);

        Assert.Equal(0, push.ExitCode);
        Assert.Empty(push.StandardOutput);
        Assert.Empty(push.StandardError);
        Assert.Equal(2, Directory.GetFiles(home.CacheDir, "*.narinfo").Length);
    }

    [Fact]
    public async Task Push_StderrIsTheJournal_EveryLineCarriesItsPriority()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var outputs = await nix.BuildChainAsync(3, ct);
        string log = Path.Combine(home.Root, "journal");

        // systemd names the stream it connects in $JOURNAL_STREAM (device:inode); here stderr is a file, named the same way.
        var push = await ProcessRunner.RunAsync(
            "sh",
            ["-c", "exec 2>\"$0\"; JOURNAL_STREAM=$(stat -L -c %d:%i \"$0\") exec \"$@\"", log, "dotnet", Path.Combine(AppContext.BaseDirectory, "nix-watcher.dll"), "push", outputs[^1]],
            home.Environment,
            cancellationToken: ct);

        Assert.True(push.ExitCode == 0, await File.ReadAllTextAsync(log, ct));
        string[] lines = (await File.ReadAllTextAsync(log, ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var pushedLines = lines.Where(l => l.Contains("pushed /nix/store/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, pushedLines.Count);
        Assert.All(pushedLines, l => Assert.StartsWith("<6>pushed /nix/store/", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("<6>pushing a closure of 3 paths", StringComparison.Ordinal));
        Assert.StartsWith("local: 3 pushed", push.StandardOutput, StringComparison.Ordinal);
    }

    private static string[] Cells(string line) => line.Split('│', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static (HashSet<string> NarInfos, long NarBytes) CacheFiles(WatcherHome home) => (
        Directory.GetFiles(home.CacheDir, "*.narinfo").ToHashSet(StringComparer.Ordinal),
        Directory.GetFiles(Path.Combine(home.CacheDir, "nar")).Sum(f => new FileInfo(f).Length));

    private static long NarSize(string narInfo) =>
        long.Parse(File.ReadLines(narInfo).Single(l => l.StartsWith("NarSize: ", StringComparison.Ordinal))["NarSize: ".Length..], CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^pushed (?<path>/nix/store/\S+) to local \([0-9]+ bytes\)$")]
    private static partial Regex PushedLine();
}
