using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using Watcher.Core;
using Watcher.Nar;

namespace Watcher.Tests.Nar;

/// <summary>
/// Parses a NAR from a stream as it arrives, strictly (nix.md §3.2), copying every byte to a destination and
/// hashing it, and stops exactly at the end of the archive.
/// </summary>
/// <remarks>
/// NarFromPath sends the NAR raw on the daemon socket with no length or trailer, and the connection carries on
/// afterwards, so the grammar is the only way to find the end and nothing past it may be read. Reads still ask for
/// more than the current token when the grammar guarantees it exists: every <c>(</c> still open must be closed by a
/// 16-byte <c>)</c>, so up to 16 bytes per open parenthesis (bar the one the current token may close) are safe to
/// read ahead. Everything read belongs to the NAR, so it is hashed and forwarded in large blocks as the buffer fills.
/// Any violation throws <see cref="NixProtocolException"/>: the stream is out of sync and must be discarded.
/// </remarks>
internal sealed partial class NarReader : IDisposable
{
    private const int BufferSize = 256 * 1024;
    private const int CloseTokenLength = 16;

    private readonly Stream _source;
    private readonly Stream _destination;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private readonly byte[] _previousNames = new byte[NarFormat.MaxDepth * NarFormat.MaxNameLength];

    /// <summary>The NAR offset of <c>_buffer[0]</c>.</summary>
    private long _bufferOffset;

    /// <summary>The next byte to parse.</summary>
    private int _position;

    /// <summary>The end of the bytes read so far.</summary>
    private int _end;

    /// <summary>The end of the bytes already hashed and forwarded.</summary>
    private int _forwarded;

    /// <summary>Parentheses opened and not yet closed.</summary>
    private int _openParentheses;

    private NarReader(Stream source, Stream destination)
    {
        _source = source;
        _destination = destination;
    }

    /// <summary>The NAR offset of the next byte to parse, for error messages.</summary>
    private long Offset => _bufferOffset + _position;

    /// <summary>
    /// Copies one NAR from <paramref name="source"/> to <paramref name="destination"/> (both left open), validating
    /// it, and returns its hash and size. <paramref name="source"/> is left positioned just past the NAR.
    /// </summary>
    /// <exception cref="NixProtocolException">The bytes are not a valid NAR, or the stream ends inside it.</exception>
    public static async Task<NarResult> CopyAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        using var reader = new NarReader(source, destination);
        await reader.FillAsync(NarFormat.Magic.Length, cancellationToken);
        reader.ExpectMagic();
        await reader.ReadNodeAsync(depth: 0, cancellationToken);
        Debug.Assert(reader._position == reader._end, "read-ahead never passes the end of a valid NAR");
        await reader.ForwardAsync(cancellationToken);
        return new NarResult(reader._hash.GetCurrentHash(), reader._bufferOffset + reader._end);
    }

    /// <summary>Validates one NAR from <paramref name="source"/> and returns its hash and size, discarding the bytes.</summary>
    public static Task<NarResult> ReadAsync(Stream source, CancellationToken cancellationToken) =>
        CopyAsync(source, Stream.Null, cancellationToken);

    public void Dispose()
    {
        _hash.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
    }

    private async ValueTask ReadNodeAsync(int depth, CancellationToken cancellationToken)
    {
        if (depth >= NarFormat.MaxDepth)
        {
            ThrowInvalid($"a node nested deeper than {NarFormat.MaxDepth} levels", "a nested node", Offset);
        }

        Expect(await ReadStringAsync(NarFormat.MaxKeywordLength, cancellationToken), NarFormat.Open);
        _openParentheses++;
        Expect(await ReadStringAsync(NarFormat.MaxKeywordLength, cancellationToken), NarFormat.Type);
        var type = await ReadStringAsync(NarFormat.MaxKeywordLength, cancellationToken);
        if (Is(type, NarFormat.Regular))
        {
            await ReadRegularAsync(cancellationToken);
        }
        else if (Is(type, NarFormat.Symlink))
        {
            Expect(await ReadStringAsync(NarFormat.MaxKeywordLength, cancellationToken), NarFormat.Target);
            CheckTarget(await ReadStringAsync(NarFormat.MaxTargetLength, cancellationToken));
        }
        else if (Is(type, NarFormat.Directory))
        {
            await ReadEntriesAsync(depth, cancellationToken);
            return;
        }
        else
        {
            ThrowUnexpected("'regular', 'symlink' or 'directory'", type);
        }

        Expect(await ReadStringAsync(NarFormat.MaxKeywordLength, cancellationToken), NarFormat.Close);
        _openParentheses--;
    }

    private async ValueTask ReadRegularAsync(CancellationToken cancellationToken)
    {
        var token = await ReadStringAsync(NarFormat.MaxKeywordLength, cancellationToken);
        if (Is(token, NarFormat.Executable))
        {
            await FillAsync(8, cancellationToken);
            long markerOffset = Offset;
            ulong marker = ReadUInt64();
            if (marker != 0)
            {
                ThrowInvalid("the empty string after 'executable'", $"a string of {marker} bytes", markerOffset);
            }

            token = await ReadStringAsync(NarFormat.MaxKeywordLength, cancellationToken);
        }

        Expect(token, NarFormat.Contents);
        await FillAsync(8, cancellationToken);
        long sizeOffset = Offset;
        ulong size = ReadUInt64();
        if (size > long.MaxValue)
        {
            ThrowInvalid("a file size", $"{size}", sizeOffset);
        }

        await SkipAsync((long)size, cancellationToken);
        int padding = NarFormat.Padding((long)size);
        await FillAsync(padding, cancellationToken);
        CheckPadding(padding);
    }

    private async ValueTask ReadEntriesAsync(int depth, CancellationToken cancellationToken)
    {
        int previousStart = depth * NarFormat.MaxNameLength;
        int previousLength = -1;
        while (true)
        {
            var token = await ReadStringAsync(NarFormat.MaxKeywordLength, cancellationToken);
            if (Is(token, NarFormat.Close))
            {
                _openParentheses--;
                return;
            }

            if (!Is(token, NarFormat.Entry))
            {
                ThrowUnexpected("'entry' or ')'", token);
            }

            Expect(await ReadStringAsync(NarFormat.MaxKeywordLength, cancellationToken), NarFormat.Open);
            _openParentheses++;
            Expect(await ReadStringAsync(NarFormat.MaxKeywordLength, cancellationToken), NarFormat.Name);
            var name = await ReadStringAsync(NarFormat.MaxNameLength, cancellationToken);
            CheckName(name, _previousNames.AsSpan(previousStart, Math.Max(previousLength, 0)), previousLength < 0);
            Span(name).CopyTo(_previousNames.AsSpan(previousStart));
            previousLength = name.Length;
            Expect(await ReadStringAsync(NarFormat.MaxKeywordLength, cancellationToken), NarFormat.Node);
            await ReadNodeAsync(depth + 1, cancellationToken);
            Expect(await ReadStringAsync(NarFormat.MaxKeywordLength, cancellationToken), NarFormat.Close);
            _openParentheses--;
        }
    }

    /// <summary>Reads a non-empty wire string of at most <paramref name="maxLength"/> bytes and checks its padding.</summary>
    /// <returns>Where it lies in the buffer, valid until the next read.</returns>
    private async ValueTask<Token> ReadStringAsync(int maxLength, CancellationToken cancellationToken)
    {
        // Only the executable marker's value is empty (read elsewhere); any other string is at least 16 bytes.
        await FillAsync(16, cancellationToken);
        long offset = Offset;
        ulong length = ReadUInt64();
        if (length == 0 || length > (ulong)maxLength)
        {
            ThrowInvalid($"a string of 1 to {maxLength} bytes", $"a string of {length} bytes", offset);
        }

        int padded = (int)length + NarFormat.Padding((long)length);
        await FillAsync(padded, cancellationToken);
        var token = new Token(_position, (int)length, offset);
        _position += (int)length;
        CheckPadding(padded - (int)length);
        return token;
    }

    private ulong ReadUInt64()
    {
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_position));
        _position += 8;
        return value;
    }

    private void CheckPadding(int count)
    {
        if (_buffer.AsSpan(_position, count).ContainsAnyExcept((byte)0))
        {
            ThrowInvalid("zero padding", Convert.ToHexStringLower(_buffer, _position, count), Offset);
        }

        _position += count;
    }

    private ReadOnlySpan<byte> Span(Token token) => _buffer.AsSpan(token.Start, token.Length);

    private bool Is(Token token, ReadOnlySpan<byte> keyword) => Span(token).SequenceEqual(keyword);

    /// <summary>A string just read: where its bytes lie in the buffer and where it started in the NAR.</summary>
    private readonly record struct Token(int Start, int Length, long Offset);
}
