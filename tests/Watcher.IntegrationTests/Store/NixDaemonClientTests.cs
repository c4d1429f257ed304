using System.Diagnostics;
using System.Text.Json;
using Watcher.IntegrationTests.Fixtures;
using Watcher.Nix;
using Watcher.Store;

namespace Watcher.IntegrationTests.Store;

/// <summary><see cref="NixDaemonClient"/> against the real nix-daemon, checked against the Nix CLI.</summary>
[Collection(NixCollection.Name)]
public sealed class NixDaemonClientTests(NixFixture nix)
{
    private static readonly Dictionary<string, string?> NixCommand = new() { ["NIX_CONFIG"] = "experimental-features = nix-command" };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StorePath Missing => StorePath.Parse("/nix/store/" + new string('0', 31) + "1-watcher-missing");

    [Fact]
    public async Task QueryValidPaths_BuiltAndMissing_AreTold()
    {
        var built = (await nix.BuildChainAsync(2, Ct)).Select(p => StorePath.Parse(p)).ToList();
        using var client = CreateSut();

        var valid = await client.QueryValidPathsAsync([built[0], Missing, built[1]], Ct);

        Assert.Equal(built.ToHashSet(), valid);
    }

    [Fact]
    public async Task QueryAllValidPaths_ContainsBuiltPaths()
    {
        var built = (await nix.BuildChainAsync(2, Ct)).Select(p => StorePath.Parse(p)).ToList();
        using var client = CreateSut();

        var all = await client.QueryAllValidPathsAsync(Ct);

        Assert.Superset(built.ToHashSet(), all.ToHashSet());
        Assert.DoesNotContain(Missing, all);
    }

    [Fact]
    public async Task QueryPathInfo_BuiltPath_MatchesNixCli()
    {
        var built = await nix.BuildChainAsync(3, Ct);
        using var client = CreateSut();

        foreach (string path in built)
        {
            var info = await client.PathInfoAsync(StorePath.Parse(path), Ct);

            Assert.NotNull(info);
            var json = await RunAsync("nix", ["path-info", "--json", path], NixCommand);
            using var document = JsonDocument.Parse(json);
            var expected = NixVerifier.SinglePathInfo(document);
            Assert.Equal(path, info.Path.FullPath);
            Assert.Equal(expected.GetProperty("narHash").GetString(), "sha256-" + Convert.ToBase64String(info.NarHash));
            Assert.Equal(expected.GetProperty("narSize").GetInt64(), info.NarSize);
            Assert.Equal(expected.GetProperty("registrationTime").GetInt64(), info.RegistrationTime);
            Assert.Equal(expected.GetProperty("ultimate").GetBoolean(), info.Ultimate);
            Assert.Equal(expected.GetProperty("deriver").GetString(), info.Deriver?.FullPath);
            Assert.Equal(expected.GetProperty("references").EnumerateArray().Select(r => r.GetString()), info.References.Select(r => r.FullPath));
            Assert.Null(info.ContentAddress);

            Assert.Equal((await RunAsync("nix-store", ["-q", "--hash", path])).Trim(), NixHash.ToPrefixedNix32(info.NarHash));
            Assert.Equal(Lines(await RunAsync("nix-store", ["-q", "--references", path])), info.References.Select(r => r.FullPath).Order(StringComparer.Ordinal));
            Assert.Equal((await RunAsync("nix-store", ["-q", "--deriver", path])).Trim(), info.Deriver?.FullPath);
        }
    }

    [Fact]
    public async Task QueryPathInfo_AddedFile_HasContentAddress()
    {
        string file = Path.Combine(Path.GetTempPath(), $"watcher-ca-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, "content-addressed " + Guid.NewGuid(), Ct);
        string added = await NixFixture.AddToStoreAsync(file, Ct);
        File.Delete(file);
        using var client = CreateSut();

        var info = await client.PathInfoAsync(StorePath.Parse(added), Ct);

        Assert.NotNull(info);
        Assert.StartsWith("fixed:r:sha256:", info.ContentAddress, StringComparison.Ordinal);
        Assert.Null(info.Deriver);
    }

    [Fact]
    public async Task QueryPathInfo_MissingPath_ReturnsNullAndConnectionStaysUsable()
    {
        var built = StorePath.Parse((await nix.BuildChainAsync(1, Ct))[0]);
        using var client = CreateSut(maxConnections: 1);

        Assert.Null(await client.PathInfoAsync(Missing, Ct));
        Assert.NotNull(await client.PathInfoAsync(built, Ct));
    }

    [Fact]
    public async Task Calls_NonStorePath_RejectedBeforeSendingAndClientStaysUsable()
    {
        var built = StorePath.Parse((await nix.BuildChainAsync(1, Ct))[0]);
        using var client = CreateSut(maxConnections: 1);
        Assert.True(await client.IsValidAsync(built, Ct));
        var elsewhere = StorePath.Parse("/tmp/nix/store/" + built.BaseName, "/tmp/nix/store");

        Assert.Throws<FormatException>(() => StorePath.Parse("/etc/passwd"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.QueryValidPathsAsync([elsewhere], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => client.QueryPathInfosAsync([elsewhere], Ct));
        Assert.Throws<ArgumentException>(() => { _ = client.QueryPathFromHashPartAsync("bogus", Ct); });

        Assert.True(await client.IsValidAsync(built, Ct));
        Assert.NotNull(await client.PathInfoAsync(built, Ct));
    }

    [Fact]
    public async Task NarFromPath_BuiltPaths_EqualNixStoreDump()
    {
        var built = await nix.BuildChainAsync(2, Ct);
        using var client = CreateSut();

        foreach (string path in built)
        {
            var destination = new MemoryStream();
            var info = await client.NarFromPathAsync(StorePath.Parse(path), destination, Ct);

            Assert.NotNull(info);
            byte[] expected = await DumpAsync(path);
            Assert.Equal(expected.Length, destination.Length);
            Assert.Equal(expected, destination.ToArray());
            Assert.Equal(info.NarSize, destination.Length);
        }

        Assert.True(await client.IsValidAsync(StorePath.Parse(built[0]), Ct));
    }

    [Fact]
    public async Task NarFromPath_MissingPath_ReturnsNullAndWritesNothing()
    {
        using var client = CreateSut();
        var destination = new MemoryStream();

        Assert.Null(await client.NarFromPathAsync(Missing, destination, Ct));

        Assert.Equal(0, destination.Length);
    }

    [Fact]
    public async Task QueryClosure_Chain_EqualsNixStoreQrReferencesFirst()
    {
        var built = await nix.BuildChainAsync(6, Ct);
        using var client = CreateSut();

        var closure = await client.QueryClosureAsync([StorePath.Parse(built[^1]), StorePath.Parse(built[2])], Ct);

        var expected = Lines(await RunAsync("nix-store", ["-qR", built[^1], built[2]]));
        Assert.Equal(expected, closure.Select(i => i.Path.FullPath).Order(StringComparer.Ordinal));
        var position = closure.Select((info, index) => (info.Path, index)).ToDictionary(x => x.Path, x => x.index);
        Assert.All(closure, info => Assert.All(info.ReferencesExceptSelf, r => Assert.True(position[r] < position[info.Path], $"{r} must precede {info.Path}")));
    }

    [Fact]
    public async Task AddTempRoot_BuiltPath_Returns()
    {
        var built = StorePath.Parse((await nix.BuildChainAsync(1, Ct))[0]);
        using var client = CreateSut();

        await client.AddTempRootAsync(built, Ct);

        Assert.True(await client.IsValidAsync(built, Ct));
    }

    [Fact]
    public async Task QueryPathFromHashPart_KnownAndUnknown_ReturnsPathOrNull()
    {
        var built = StorePath.Parse((await nix.BuildChainAsync(1, Ct))[0]);
        using var client = CreateSut();

        Assert.Equal(built, await client.QueryPathFromHashPartAsync(built.HashPart, Ct));
        Assert.Null(await client.QueryPathFromHashPartAsync(new string('0', 32), Ct));
    }

    [Fact]
    public async Task ParallelCalls_ManyQueries_AllSucceed()
    {
        var built = (await nix.BuildChainAsync(4, Ct)).Select(p => StorePath.Parse(p)).ToList();
        using var client = CreateSut(maxConnections: 3);

        var infos = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => client.PathInfoAsync(built[i % built.Count], Ct)));

        Assert.All(infos, Assert.NotNull);
    }

    private static NixDaemonClient CreateSut(int maxConnections = 4) =>
        new(new NixDaemonClientOptions { SocketPath = NixFixture.SocketPath, MaxConnections = maxConnections });

    private static List<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal).ToList();

    private static async Task<string> RunAsync(string fileName, string[] arguments, IDictionary<string, string?>? environment = null)
    {
        var result = await ProcessRunner.RunAsync(fileName, arguments, environment, cancellationToken: Ct);
        return result.EnsureSuccess(fileName + " " + string.Join(' ', arguments)).StandardOutput;
    }

    /// <summary>The NAR as <c>nix-store --dump</c> writes it; binary, so not through <see cref="ProcessRunner"/>.</summary>
    private static async Task<byte[]> DumpAsync(string path)
    {
        var psi = new ProcessStartInfo("nix-store") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("--dump");
        psi.ArgumentList.Add(path);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        var output = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(output, Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, await stderr);
        return output.ToArray();
    }
}
