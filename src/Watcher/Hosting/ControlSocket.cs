using System.Net.Sockets;

namespace Watcher.Hosting;

/// <summary>The daemon's control socket (<c>control.sock</c> in the state directory) and a client for it.</summary>
internal sealed class ControlSocket : IDisposable
{
    public const string FileName = "control.sock";

    private readonly HttpClient _http;

    public ControlSocket(string stateDir, TimeSpan? timeout = null)
    {
        string path = PathIn(stateDir);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://nix-watcher/"), Timeout = timeout ?? TimeSpan.FromSeconds(10) };
    }

    public static string PathIn(string stateDir) => Path.Combine(stateDir, FileName);

    /// <summary>Asks the daemon for its status; null when no daemon listens on the socket.</summary>
    public async Task<StatusReport?> GetStatusAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _http.GetFromJsonAsync("status", StatusJsonContext.Default.StatusReport, cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException or UnauthorizedAccessException)
        {
            // No daemon listens (or the socket is not ours to use): the caller falls back to the state.
            return null;
        }
    }

    /// <summary>Asks the daemon to requeue dead letters (of <paramref name="cache"/>, or all); null when no daemon listens.</summary>
    public async Task<RetryResult?> RetryAsync(string? cache, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.PostAsync(cache is null ? "retry" : "retry?cache=" + Uri.EscapeDataString(cache), content: null, cancellationToken);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync(StatusJsonContext.Default.RetryResult, cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException or UnauthorizedAccessException)
        {
            // No daemon listens (or the socket is not ours to use): the caller falls back to the state.
            return null;
        }
    }

    /// <summary>
    /// Sets a <c>max-upload-rate</c> of the running daemon (of <paramref name="cache"/>, or of all caches together);
    /// null when no daemon listens. A refusal comes back with its <see cref="LimitResult.Error"/>.
    /// </summary>
    public async Task<LimitResult?> LimitAsync(string rate, string? cache, CancellationToken cancellationToken)
    {
        string query = "limit?rate=" + Uri.EscapeDataString(rate) + (cache is null ? string.Empty : "&cache=" + Uri.EscapeDataString(cache));
        try
        {
            using var response = await _http.PostAsync(query, content: null, cancellationToken);
            try
            {
                return await response.Content.ReadFromJsonAsync(StatusJsonContext.Default.LimitResult, cancellationToken)
                    ?? new LimitResult(cache, null, $"the daemon answered HTTP {(int)response.StatusCode} without a result");
            }
            catch (System.Text.Json.JsonException)
            {
                // A daemon of a version without `limit` answers 404 with no JSON.
                return new LimitResult(cache, null, $"the running daemon does not take 'limit' (HTTP {(int)response.StatusCode}); restart it to run this version");
            }
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException or UnauthorizedAccessException)
        {
            // No daemon listens (or the socket is not ours to use).
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}
