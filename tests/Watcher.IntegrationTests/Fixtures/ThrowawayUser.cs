namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// A system user made for one test with <c>useradd</c> (the tests run as root) and deleted again, with its group, on
/// dispose: another local user, to run <c>nix-watcher</c> as with <c>setpriv</c>.
/// </summary>
public sealed class ThrowawayUser : IAsyncDisposable
{
    private ThrowawayUser(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public static async Task<ThrowawayUser> CreateAsync(CancellationToken cancellationToken)
    {
        string name = "nwt-" + Guid.NewGuid().ToString("N")[..12];
        (await ProcessRunner.RunAsync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name], cancellationToken: cancellationToken))
            .EnsureSuccess("useradd");
        return new ThrowawayUser(name);
    }

    /// <summary>Runs <paramref name="fileName"/> as this user, with only <paramref name="environment"/> set.</summary>
    public Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, IDictionary<string, string?> environment, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(
            "setpriv",
            [$"--reuid={Name}", $"--regid={Name}", "--init-groups", "env", "-i", .. environment.Where(e => e.Value is not null).Select(e => $"{e.Key}={e.Value}"), "PATH=/usr/bin:/bin", fileName, .. arguments],
            cancellationToken: cancellationToken);

    /// <summary>Runs the <c>nix-watcher</c> next to the tests as this user.</summary>
    public Task<ProcessResult> RunWatcherAsync(IEnumerable<string> arguments, IDictionary<string, string?> environment, CancellationToken cancellationToken) =>
        RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "nix-watcher.dll"), .. arguments], environment, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync("userdel", [Name], cancellationToken: CancellationToken.None);
        if ((await ProcessRunner.RunAsync("getent", ["group", Name], cancellationToken: CancellationToken.None)).ExitCode == 0)
        {
            await ProcessRunner.RunAsync("groupdel", [Name], cancellationToken: CancellationToken.None);
        }
    }
}
