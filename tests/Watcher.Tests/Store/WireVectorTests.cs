using System.Text.Json;
using Watcher.Nix;
using Watcher.Store;

namespace Watcher.Tests.Store;

/// <summary>Decodes every applicable upstream vector with <see cref="WireReader"/> and re-encodes it byte-identically with <see cref="WireWriter"/>.</summary>
public sealed class WireVectorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task String_Vector_RoundTrips()
    {
        byte[] bin = WireVectors.Bin("string");
        var expected = WireVectors.Json("string").Select(e => e.GetString()!).ToList();
        var reader = WireVectors.Reader(bin);

        var actual = new List<string>();
        foreach (var _ in expected)
        {
            actual.Add(await reader.ReadStringAsync(Ct));
        }

        Assert.Equal(expected, actual);
        await AssertAtEndAsync(reader);
        Assert.Equal(bin, await WireVectors.EncodeAsync(w => actual.ForEach(w.WriteString), Ct));
    }

    [Theory]
    [InlineData("set")]
    [InlineData("vector")]
    public async Task StringCollections_Vector_RoundTrips(string name)
    {
        byte[] bin = WireVectors.Bin(name);
        var expected = WireVectors.Json(name);
        var reader = WireVectors.Reader(bin);
        var decoded = new List<object>();
        foreach (var value in expected)
        {
            if (value.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.Array))
            {
                int count = await reader.ReadCountAsync(Ct);
                var nested = new List<List<string>>();
                for (int i = 0; i < count; i++)
                {
                    nested.Add(await reader.ReadStringsAsync(Ct));
                }

                Assert.Equal(value.EnumerateArray().Select(e => e.EnumerateArray().Select(s => s.GetString()!).ToList()).ToList(), nested);
                decoded.Add(nested);
            }
            else
            {
                var strings = await reader.ReadStringsAsync(Ct);
                Assert.Equal(value.EnumerateArray().Select(s => s.GetString()!), strings);
                decoded.Add(strings);
            }
        }

        await AssertAtEndAsync(reader);
        byte[] encoded = await WireVectors.EncodeAsync(
            w =>
            {
                foreach (object item in decoded)
                {
                    if (item is List<List<string>> nested)
                    {
                        w.WriteUInt64((ulong)nested.Count);
                        nested.ForEach(w.WriteStrings);
                    }
                    else
                    {
                        w.WriteStrings((List<string>)item);
                    }
                }
            },
            Ct);
        Assert.Equal(bin, encoded);
    }

    [Fact]
    public async Task StorePath_Vector_RoundTrips()
    {
        byte[] bin = WireVectors.Bin("store-path");
        var expected = WireVectors.Json("store-path").Select(e => e.GetString()!).ToList();
        var reader = WireVectors.Reader(bin);

        var paths = new List<StorePath>();
        foreach (var _ in expected)
        {
            paths.Add(await reader.ReadStorePathAsync(Ct));
        }

        Assert.Equal(expected, paths.Select(p => p.BaseName));
        await AssertAtEndAsync(reader);
        Assert.Equal(bin, await WireVectors.EncodeAsync(w => paths.ForEach(w.WriteStorePath), Ct));
    }

    [Fact]
    public async Task OptionalStorePath_Vector_RoundTrips()
    {
        byte[] bin = WireVectors.Bin("optional-store-path");
        var expected = WireVectors.Json("optional-store-path").Select(e => e.GetString()).ToList();
        var reader = WireVectors.Reader(bin);

        var paths = new List<StorePath?>();
        foreach (var _ in expected)
        {
            paths.Add(await reader.ReadOptionalStorePathAsync(Ct));
        }

        Assert.Equal(expected, paths.Select(p => p?.BaseName));
        await AssertAtEndAsync(reader);
        Assert.Equal(bin, await WireVectors.EncodeAsync(w => paths.ForEach(w.WriteOptionalStorePath), Ct));
    }

    [Fact]
    public async Task OptionalTrustedFlag_Vector_RoundTrips()
    {
        byte[] bin = WireVectors.Bin("optional-trusted-flag");
        var expected = WireVectors.Json("optional-trusted-flag").Select(e => e.ValueKind == JsonValueKind.Null ? (bool?)null : e.GetBoolean()).ToList();
        var reader = WireVectors.Reader(bin);

        var flags = new List<bool?>();
        foreach (var _ in expected)
        {
            flags.Add(await reader.ReadOptionalTrustedFlagAsync(Ct));
        }

        Assert.Equal(expected, flags);
        await AssertAtEndAsync(reader);
        Assert.Equal(bin, await WireVectors.EncodeAsync(w => flags.ForEach(w.WriteOptionalTrustedFlag), Ct));
    }

    [Theory]
    [InlineData("content-address")]
    [InlineData("optional-content-address")]
    public async Task ContentAddress_Vector_RoundTripsAsRenderedStrings(string name)
    {
        byte[] bin = WireVectors.Bin(name);
        var expected = WireVectors.Json(name).Select(e => e.ValueKind == JsonValueKind.Null ? string.Empty : WireVectors.ContentAddress(e)).ToList();
        var reader = WireVectors.Reader(bin);

        var actual = new List<string>();
        foreach (var _ in expected)
        {
            actual.Add(await reader.ReadStringAsync(Ct));
        }

        Assert.Equal(expected, actual);
        await AssertAtEndAsync(reader);
        Assert.Equal(bin, await WireVectors.EncodeAsync(w => actual.ForEach(w.WriteString), Ct));
    }

    [Theory]
    [InlineData("valid-path-info-1.15", 0x10f)]
    [InlineData("valid-path-info-1.16", 0x110)]
    public async Task ValidPathInfo_Vector_RoundTrips(string name, int version)
    {
        byte[] bin = WireVectors.Bin(name);
        var expected = WireVectors.Json(name);
        var reader = WireVectors.Reader(bin);

        var infos = new List<PathInfo>();
        foreach (var value in expected)
        {
            var info = await reader.ReadUnkeyedValidPathInfoAsync(await reader.ReadStorePathAsync(Ct), version, Ct);
            WireVectors.AssertPathInfo(value, info, hasPath: true);
            infos.Add(info);
        }

        await AssertAtEndAsync(reader);
        Assert.Equal(bin, await WireVectors.EncodeAsync(w => infos.ForEach(i => w.WriteValidPathInfo(i, version)), Ct));
    }

    [Fact]
    public async Task UnkeyedValidPathInfo_Vector115_RoundTrips()
    {
        byte[] bin = WireVectors.Bin("unkeyed-valid-path-info-1.15");
        var expected = WireVectors.Json("unkeyed-valid-path-info-1.15");
        var reader = WireVectors.Reader(bin);
        var somePath = FakeDaemon.MakePath("unkeyed");

        var infos = new List<PathInfo>();
        foreach (var value in expected)
        {
            var info = await reader.ReadUnkeyedValidPathInfoAsync(somePath, 0x10f, Ct);
            WireVectors.AssertPathInfo(value, info, hasPath: false);
            infos.Add(info);
        }

        await AssertAtEndAsync(reader);
        Assert.Equal(bin, await WireVectors.EncodeAsync(w => infos.ForEach(i => w.WriteUnkeyedValidPathInfo(i, 0x10f)), Ct));
    }

    [Fact]
    public async Task ClientHandshakeInfo133_Vector_IsTwoVersionStrings()
    {
        byte[] bin = WireVectors.Bin("client-handshake-info_1_33");
        var reader = WireVectors.Reader(bin);

        string first = await reader.ReadStringAsync(Ct);
        string second = await reader.ReadStringAsync(Ct);

        Assert.Equal(("foo", "bar"), (first, second));
        await AssertAtEndAsync(reader);
        Assert.Equal(bin, await WireVectors.EncodeAsync(w => { w.WriteString(first); w.WriteString(second); }, Ct));
    }

    [Fact]
    public async Task ClientHandshakeInfo135_Vector_IsVersionAndTrustPairs()
    {
        byte[] bin = WireVectors.Bin("client-handshake-info_1_35");
        var reader = WireVectors.Reader(bin);

        var values = new List<(string Version, bool? Trusted)>();
        for (int i = 0; i < 2; i++)
        {
            values.Add((await reader.ReadStringAsync(Ct), await reader.ReadOptionalTrustedFlagAsync(Ct)));
        }

        Assert.Equal([("foo", (bool?)false), ("bar", (bool?)true)], values);
        await AssertAtEndAsync(reader);
        Assert.Equal(bin, await WireVectors.EncodeAsync(w => values.ForEach(v => { w.WriteString(v.Version); w.WriteOptionalTrustedFlag(v.Trusted); }), Ct));
    }

    [Fact]
    public async Task HandshakeToClient_Vector_IsMagicAndVersion()
    {
        byte[] bin = WireVectors.Bin("handshake-to-client");
        var reader = WireVectors.Reader(bin);

        Assert.Equal(WorkerProtocol.Magic2, await reader.ReadUInt64Async(Ct));
        ulong version = await reader.ReadUInt64Async(Ct);

        Assert.Equal(0x10aUL, version);
        await AssertAtEndAsync(reader);
        Assert.Equal(bin, await WireVectors.EncodeAsync(w => { w.WriteUInt64(WorkerProtocol.Magic2); w.WriteUInt64(version); }, Ct));
    }

    private static async Task AssertAtEndAsync(WireReader reader) =>
        Assert.Equal(0, await reader.ReadRawAsync(new byte[1], Ct));
}
