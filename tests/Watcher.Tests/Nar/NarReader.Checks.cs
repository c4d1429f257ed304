using System.Diagnostics.CodeAnalysis;
using System.Text;
using Watcher.Core;
using Watcher.Nar;

namespace Watcher.Tests.Nar;

/// <summary>The §3.2 checks and the throw helpers whose messages say expected vs actual, and where.</summary>
internal sealed partial class NarReader
{
    private void ExpectMagic()
    {
        var magic = _buffer.AsSpan(0, NarFormat.Magic.Length);
        if (!magic.SequenceEqual(NarFormat.Magic))
        {
            ThrowInvalid("the NAR magic 'nix-archive-1'", Printable(magic), 0);
        }

        _position = NarFormat.Magic.Length;
    }

    private void Expect(Token token, ReadOnlySpan<byte> keyword)
    {
        if (!Is(token, keyword))
        {
            ThrowUnexpected($"'{Encoding.ASCII.GetString(keyword)}'", token);
        }
    }

    private void CheckName(Token name, ReadOnlySpan<byte> previous, bool first)
    {
        var bytes = Span(name);
        if (bytes.SequenceEqual("."u8) || bytes.SequenceEqual(".."u8) || bytes.IndexOfAny((byte)'/', (byte)0) >= 0)
        {
            ThrowInvalid("an entry name without '/' or NUL that is not '.' or '..'", Printable(bytes), name.Offset);
        }

        if (!first && bytes.SequenceCompareTo(previous) <= 0)
        {
            ThrowInvalid($"an entry name sorting after '{Printable(previous)}' (NAR directory is not sorted)", Printable(bytes), name.Offset);
        }
    }

    private void CheckTarget(Token target)
    {
        if (Span(target).Contains((byte)0))
        {
            ThrowInvalid("a symlink target without NUL", Printable(Span(target)), target.Offset);
        }
    }

    [DoesNotReturn]
    private void ThrowUnexpected(string expected, Token actual) =>
        ThrowInvalid(expected, Printable(Span(actual)), actual.Offset);

    [DoesNotReturn]
    private static void ThrowInvalid(string expected, string actual, long offset) =>
        throw new NixProtocolException($"invalid NAR at offset {offset}: expected {expected}, got {actual}");

    /// <summary>Quoted text for messages: at most 64 bytes, invalid UTF-8 and control characters escaped.</summary>
    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder("'");
        foreach (var rune in Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 64)]).EnumerateRunes())
        {
            text.Append(Rune.IsControl(rune) ? $"\\x{rune.Value:x2}" : rune.ToString());
        }

        return text.Append(bytes.Length > 64 ? "'…" : "'").ToString();
    }
}
