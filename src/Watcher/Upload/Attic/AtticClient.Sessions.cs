using System.IO.Pipelines;
using System.Net;
using System.Text.Json;
using Watcher.Nix;

namespace Watcher.Upload.Attic;

/// <summary>
/// Chunked upload sessions (attic PR #342, unmerged, so the shape may change): create a session, send the NAR
/// as numbered parts of at most the advertised size, then finalise and poll. The NAR is produced once into a
/// bounded pipe and each part streams out of it, so memory stays at the pipe's size, not the part's.
/// </summary>
internal sealed partial class AtticClient
{
    private const long PipePauseBytes = 1 << 20;
    private const int MaxFinalizePolls = 600;
    private static readonly TimeSpan FinalizePollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Uploads one path as a session of parts of at most <paramref name="chunkSize"/> bytes.</summary>
    public async Task<AtticUploadResult> UploadInPartsAsync(AtticUploadInfo uploadInfo, PathInfo info, INarSource source, long chunkSize, CancellationToken cancellationToken)
    {
        string sessions = "_api/v1/upload-path/sessions";
        using var create = new HttpRequestMessage(HttpMethod.Post, new Uri(UploadEndpoint, sessions))
        {
            Content = Json(new AtticCreateSessionRequest(uploadInfo, chunkSize), AtticJsonContext.Default.AtticCreateSessionRequest),
        };
        var created = await SendAsync(create, UploadEndpoint, AtticJsonContext.Default.AtticSessionResponse, ApiTimeout, cancellationToken);
        if (created is { Kind: "completed" })
        {
            return created.Result ?? Uploaded;
        }

        string id = created?.SessionId ?? throw new CacheUploadException($"attic cache '{AtticCache}': the server opened an upload session without an id", CacheFailureKind.Permanent);
        string session = $"{sessions}/{Uri.EscapeDataString(id)}";
        long partSize = created.ChunkSize is > 0 and var size && size < chunkSize ? size : chunkSize;

        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: PipePauseBytes, resumeWriterThreshold: PipePauseBytes / 2));
        using var producerCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task producer = ProduceAsync(pipe.Writer, info, source, producerCancel.Token);
        try
        {
            await using var nar = pipe.Reader.AsStream();
            long remaining = info.NarSize;
            for (int seq = 0; remaining > 0; seq++)
            {
                long length = Math.Min(partSize, remaining);
                using var part = new HttpRequestMessage(HttpMethod.Put, new Uri(UploadEndpoint, $"{session}/parts/{seq}")) { Content = new PartContent(nar, length) };
                await SendAsync(part, UploadEndpoint, AtticJsonContext.Default.AtticSessionResponse, timeout: null, cancellationToken);
                remaining -= length;
            }

            await producer;
            return await FinalizeAsync(session, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await producerCancel.CancelAsync();
            await AbortAsync(session, id);
            if (await ProducerFailureAsync(producer) is { } local)
            {
                throw local;
            }

            throw;
        }
    }

    private static async Task ProduceAsync(PipeWriter writer, PathInfo info, INarSource source, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            await NarUploadContent.WriteVerifiedNarAsync(info, source, writer.AsStream(leaveOpen: true), cancellationToken);
            await writer.CompleteAsync();
        }
        catch (Exception ex)
        {
            await writer.CompleteAsync(ex);
            throw;
        }
    }

    private static async Task<WatcherException?> ProducerFailureAsync(Task producer)
    {
        try
        {
            await producer;
            return null;
        }
        catch (WatcherException ex)
        {
            return ex;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            return null;
        }
    }

    private async Task<AtticUploadResult> FinalizeAsync(string session, CancellationToken cancellationToken)
    {
        for (int poll = 0; poll < MaxFinalizePolls; poll++)
        {
            using var finalize = new HttpRequestMessage(HttpMethod.Post, new Uri(UploadEndpoint, session + "/finalize"));
            var state = await SendAsync(finalize, UploadEndpoint, AtticJsonContext.Default.AtticSessionResponse, ApiTimeout, cancellationToken);
            switch (state?.Kind)
            {
                case "completed":
                    return state.Result ?? Uploaded;
                case "failed":
                    string body = JsonSerializer.Serialize(new AtticErrorBody { Code = 400, Error = "RequestError", Message = state.Message }, AtticJsonContext.Default.AtticErrorBody);
                    throw AtticErrors.FromStatus(400, body, null, new AtticErrorContext(CacheName, AtticCache, UploadEndpoint, null, _time.GetUtcNow()));
                default:
                    await Task.Delay(FinalizePollInterval, _time, cancellationToken);
                    break;
            }
        }

        throw new CacheUploadException($"attic cache '{AtticCache}': the upload session did not finish within {MaxFinalizePolls} polls", CacheFailureKind.Transient);
    }

    private async Task AbortAsync(string session, string id)
    {
        try
        {
            using var delete = new HttpRequestMessage(HttpMethod.Delete, new Uri(UploadEndpoint, session));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10), _time);
            await SendAsync(delete, UploadEndpoint, AtticJsonContext.Default.AtticSessionResponse, ApiTimeout, timeout.Token);
        }
        catch (Exception ex) when (ex is CacheUploadException or OperationCanceledException)
        {
            Log.SessionAbortFailed(_logger, CacheName, id, ex);
        }
    }

    /// <summary>Exactly <c>length</c> bytes of the shared NAR stream, as one part's body.</summary>
    private sealed class PartContent : HttpContent
    {
        private readonly Stream _nar;
        private readonly long _length;

        public PartContent(Stream nar, long length)
        {
            _nar = nar;
            _length = length;
            Headers.ContentLength = length;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            byte[] buffer = new byte[(int)Math.Min(_length, 1 << 16)];
            for (long left = _length; left > 0;)
            {
                int read = await _nar.ReadAsync(buffer.AsMemory(0, (int)Math.Min(left, buffer.Length)), cancellationToken);
                if (read == 0)
                {
                    throw new IOException("the NAR ended before the part was complete");
                }

                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                left -= read;
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return true;
        }
    }
}
