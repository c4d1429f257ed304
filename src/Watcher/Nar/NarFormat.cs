using System.Buffers.Binary;
using System.Text;

namespace Watcher.Nar;

/// <summary>Tokens and limits of the NAR format (nix.md §3) used by <see cref="NarWriter"/>.</summary>
/// <remarks>
/// The limits are those of current Nix (2.35 and the patch releases it was backported to). Nix 2.8 has none,
/// but a NAR beyond them would be refused by a newer substituter, so we never write one.
/// </remarks>
internal static class NarFormat
{
    /// <summary>Nesting cap: the root is depth 0 and the deepest allowed node is at depth 63.</summary>
    public const int MaxDepth = 64;

    public const int MaxTargetLength = 4095;

    public const int MaxKeywordLength = 32;

    /// <summary><c>str("nix-archive-1")</c>: the 24 bytes every NAR starts with.</summary>
    public static readonly byte[] Magic = Encode("nix-archive-1");

    /// <summary>The zero bytes that pad a string of <paramref name="length"/> bytes to a multiple of 8.</summary>
    public static int Padding(long length) => (int)(-length & 7);

    /// <summary>The wire size of a string of <paramref name="length"/> bytes: length word, bytes, padding.</summary>
    public static int EncodedLength(int length) => 8 + length + Padding(length);

    /// <summary>Writes <c>str(value)</c> at the start of <paramref name="destination"/> and returns the bytes written.</summary>
    public static int WriteString(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, (ulong)value.Length);
        value.CopyTo(destination[8..]);
        int padding = Padding(value.Length);
        destination.Slice(8 + value.Length, padding).Clear();
        return 8 + value.Length + padding;
    }

    /// <summary>Encodes a fixed token sequence once, so writers copy it as a single block.</summary>
    public static byte[] Encode(params ReadOnlySpan<string> tokens)
    {
        var bytes = new List<byte>();
        Span<byte> scratch = stackalloc byte[8 + MaxKeywordLength];
        foreach (string token in tokens)
        {
            int length = WriteString(scratch, Encoding.ASCII.GetBytes(token));
            bytes.AddRange(scratch[..length]);
        }

        return [.. bytes];
    }
}
