using System.Text.Json;
using Watcher.Nix;
using Watcher.Store;

namespace Watcher.Tests.Store;

/// <summary>Loads the upstream worker-protocol vectors (<c>X.bin</c> encodes the values of <c>X.json</c>) and converts their JSON.</summary>
internal static class WireVectors
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "TestData", "nix-worker-protocol");

    public static byte[] Bin(string name) => File.ReadAllBytes(Path.Combine(Directory, name + ".bin"));

    public static JsonElement[] Json(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, name + ".json")));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    public static WireReader Reader(byte[] bytes) => new(new MemoryStream(bytes));

    /// <summary>Encodes with a <see cref="WireWriter"/> and returns the bytes.</summary>
    public static async Task<byte[]> EncodeAsync(Action<WireWriter> write, CancellationToken cancellationToken)
    {
        var output = new MemoryStream();
        var writer = new WireWriter(output);
        write(writer);
        await writer.FlushAsync(cancellationToken);
        return output.ToArray();
    }

    /// <summary>Renders Nix's JSON content address (<c>{hash: SRI, method}</c>) in the wire form, e.g. <c>fixed:r:sha256:&lt;nix32&gt;</c>.</summary>
    public static string ContentAddress(JsonElement ca)
    {
        string sri = ca.GetProperty("hash").GetString()!;
        int dash = sri.IndexOf('-', StringComparison.Ordinal);
        string algorithm = sri[..dash];
        string hash = algorithm + ":" + Nix32.Encode(Convert.FromBase64String(sri[(dash + 1)..]));
        return ca.GetProperty("method").GetString() switch
        {
            "text" => "text:" + hash,
            "flat" => "fixed:" + hash,
            "nar" => "fixed:r:" + hash,
            var other => throw new InvalidOperationException("unknown method " + other),
        };
    }

    public static void AssertPathInfo(JsonElement expected, PathInfo actual, bool hasPath)
    {
        if (hasPath)
        {
            Assert.Equal(expected.GetProperty("path").GetString(), actual.Path.BaseName);
        }

        Assert.Equal(expected.GetProperty("deriver").GetString(), actual.Deriver?.BaseName);
        Assert.Equal(NixHash.ParseSha256(expected.GetProperty("narHash").GetString()!), actual.NarHash);
        Assert.Equal(expected.GetProperty("narSize").GetInt64(), actual.NarSize);
        Assert.Equal(expected.GetProperty("references").EnumerateArray().Select(r => r.GetString()), actual.References.Select(r => r.BaseName));
        Assert.Equal(expected.GetProperty("registrationTime").GetInt64(), actual.RegistrationTime);
        Assert.Equal(expected.GetProperty("ultimate").GetBoolean(), actual.Ultimate);
        Assert.Equal(
            expected.GetProperty("signatures").EnumerateArray().Select(s => s.GetProperty("keyName").GetString() + ":" + s.GetProperty("sig").GetString()),
            actual.Signatures);
        var ca = expected.GetProperty("ca");
        Assert.Equal(ca.ValueKind == JsonValueKind.Null ? null : ContentAddress(ca), actual.ContentAddress);
    }
}
