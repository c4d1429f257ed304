namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// Samples a file cache in the background and records every moment it breaks the closure invariant:
/// a narinfo whose NAR file or whose references' narinfos are missing.
/// </summary>
public sealed class ClosureInvariantSampler : IAsyncDisposable
{
    private readonly string _cacheDir;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<string> _violations = [];

    public ClosureInvariantSampler(string cacheDir)
    {
        _cacheDir = cacheDir;
        _loop = Task.Run(LoopAsync);
    }

    public int Samples { get; private set; }

    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_violations)
            {
                return [.. _violations];
            }
        }
    }

    /// <summary>One check. A narinfo listed now was written after its references, so they must exist now.</summary>
    public void SampleOnce()
    {
        if (!Directory.Exists(_cacheDir))
        {
            return;
        }

        foreach (string file in Directory.GetFiles(_cacheDir, "*.narinfo"))
        {
            string self = Path.GetFileNameWithoutExtension(file);
            foreach (string line in File.ReadAllLines(file))
            {
                if (line.StartsWith("References: ", StringComparison.Ordinal))
                {
                    foreach (string reference in line["References: ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        string hash = reference[..32];
                        if (hash != self && !File.Exists(Path.Combine(_cacheDir, hash + ".narinfo")))
                        {
                            Add($"{self}.narinfo references {reference}, which has no narinfo");
                        }
                    }
                }
                else if (line.StartsWith("URL: ", StringComparison.Ordinal) && !File.Exists(Path.Combine(_cacheDir, line["URL: ".Length..])))
                {
                    Add($"{self}.narinfo points at {line["URL: ".Length..]}, which does not exist");
                }
            }
        }

        Samples++;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                SampleOnce();
            }
            catch (IOException)
            {
                // A file renamed between listing and reading: the next sample sees it.
            }

            // Samples what the real daemon process writes to the cache directory, every 20 ms until the owner disposes it.
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private void Add(string violation)
    {
        lock (_violations)
        {
            _violations.Add(violation);
        }
    }
}
