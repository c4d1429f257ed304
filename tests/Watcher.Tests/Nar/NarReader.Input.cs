using Watcher.Core;

namespace Watcher.Tests.Nar;

/// <summary>Buffer management: reading no further than the grammar guarantees, and forwarding what was read.</summary>
internal sealed partial class NarReader
{
    /// <summary>
    /// Bytes that must follow the current token in any valid NAR: a 16-byte <c>)</c> for every open parenthesis,
    /// except one, which the current token may itself close.
    /// </summary>
    private int SafeReadAhead => CloseTokenLength * Math.Max(0, _openParentheses - 1);

    /// <summary>Makes at least <paramref name="count"/> unparsed bytes available in the buffer.</summary>
    private ValueTask FillAsync(int count, CancellationToken cancellationToken) =>
        _end - _position >= count ? ValueTask.CompletedTask : FillSlowAsync(count, cancellationToken);

    private async ValueTask FillSlowAsync(int count, CancellationToken cancellationToken)
    {
        int wanted = count + SafeReadAhead;
        if (_buffer.Length - _position < wanted)
        {
            await ForwardAsync(cancellationToken);
            int unparsed = _end - _position;
            _buffer.AsSpan(_position, unparsed).CopyTo(_buffer);
            _bufferOffset += _position;
            _position = 0;
            _end = unparsed;
            _forwarded = unparsed;
        }

        int limit = Math.Min(_buffer.Length, _position + wanted);
        while (_end - _position < count)
        {
            int read = await _source.ReadAsync(_buffer.AsMemory(_end, limit - _end), cancellationToken);
            if (read == 0)
            {
                throw new NixProtocolException($"NAR truncated at offset {_bufferOffset + _end}: expected {count - (_end - _position)} more bytes, got the end of the stream");
            }

            _end += read;
        }
    }

    /// <summary>Skips file contents, in buffer-sized reads.</summary>
    private async ValueTask SkipAsync(long count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_position == _end)
            {
                await FillAsync((int)Math.Min(count, _buffer.Length - SafeReadAhead), cancellationToken);
            }

            int skipped = (int)Math.Min(count, _end - _position);
            _position += skipped;
            count -= skipped;
        }
    }

    /// <summary>Hashes and forwards every byte read and not yet forwarded.</summary>
    private async ValueTask ForwardAsync(CancellationToken cancellationToken)
    {
        if (_end > _forwarded)
        {
            var block = _buffer.AsMemory(_forwarded, _end - _forwarded);
            _hash.AppendData(block.Span);
            await _destination.WriteAsync(block, cancellationToken);
            _forwarded = _end;
        }
    }
}
