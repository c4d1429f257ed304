using System.Diagnostics;

namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// The Debian sid root that <c>eng/sid.sh</c> builds under <c>.artifacts/sid/root</c> (or the one
/// <c>WATCHER_SID_ROOT</c> names): newer counterparts than Debian 12 has (Ceph RGW, moto, Nix). Its programs
/// run chrooted in a private mount namespace of their own, with <c>/proc</c> and <c>/dev</c>; they go away
/// with the process, the machine's mounts never change.
/// </summary>
public static class SidRoot
{
    public const string Variable = "WATCHER_SID_ROOT";

    /// <summary>The root's directory; throws, saying how to build it, when it is missing.</summary>
    public static string Directory
    {
        get
        {
            string root = System.Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } named
                ? named
                : Path.Combine(S3rver.RepositoryRoot, ".artifacts", "sid", "root");
            if (!File.Exists(Path.Combine(root, "usr", "bin", "radosgw")))
            {
                throw new InvalidOperationException($"no Debian sid root at {root}: run eng/sid.sh as root (eng/test.sh does)");
            }

            return root;
        }
    }

    /// <summary>
    /// A new empty directory inside the root, for a server's data: its path on this machine and as the chrooted
    /// program sees it.
    /// </summary>
    public static (string Outside, string Inside) NewDirectory(string prefix)
    {
        string name = prefix + Guid.NewGuid().ToString("N")[..12];
        string outside = Path.Combine(Directory, "tmp", name);
        System.IO.Directory.CreateDirectory(outside);
        return (outside, "/tmp/" + name);
    }

    /// <summary>How to start <paramref name="program"/> (a path inside the root) chrooted, with a clean environment.</summary>
    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments)
    {
        var psi = new ProcessStartInfo("unshare") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])[
            "-m", "--propagation", "private", "sh", "-euc",
            "mount -t proc proc \"$0/proc\"; mount --rbind /dev \"$0/dev\"; exec chroot \"$0\" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \"$@\"",
            Directory, program, .. arguments])
        {
            psi.ArgumentList.Add(argument);
        }

        return psi;
    }

    /// <summary>Runs <paramref name="program"/> chrooted to completion (killed, and <see cref="TimeoutException"/>, after <paramref name="timeout"/>).</summary>
    public static async Task<ProcessResult> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var psi = StartInfo(program, arguments);
        return await ProcessRunner.RunAsync(psi.FileName, psi.ArgumentList, timeout: timeout, cancellationToken: cancellationToken);
    }
}
