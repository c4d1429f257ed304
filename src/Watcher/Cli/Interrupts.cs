using System.Runtime.InteropServices;

namespace Watcher.Cli;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM for the whole process: the first one cancels <see cref="Token"/>, and the command
/// stops in order (what is published stays whole, staged files go, a multipart upload is left to the next start);
/// a second one ends a one-shot command at once. Either way the exit code is 128 + the signal's number, as a shell reports a process
/// the signal killed, and nothing prints a stack trace.
/// </summary>
/// <remarks>
/// Registered before anything else runs, so a signal at any moment of a command (the daemon's start included) takes
/// this path and never the runtime's default, which for a process still busy is an unhandled
/// <see cref="OperationCanceledException"/> and SIGABRT. <see cref="PosixSignalRegistration"/> calls every handler of a
/// signal, so the host's own lifetime, which registers the same signals once it starts, still hears them too.
/// </remarks>
internal sealed class Interrupts : IDisposable
{
    /// <summary>SIGINT's number on Linux.</summary>
    public const int SigInt = 2;

    /// <summary>SIGTERM's number on Linux.</summary>
    public const int SigTerm = 15;

    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly TextWriter _error;
    private readonly Action<int>? _exit;
    private int _signal;

    /// <param name="error">Where the line of a second signal goes.</param>
    /// <param name="exit">
    /// Ends the process at once on a second signal: <see cref="Environment.Exit(int)"/> but in tests; null for the daemon,
    /// which goes on draining (its host hears the signal too, and systemd's SIGKILL after <c>TimeoutStopSec</c> is the hammer).
    /// </param>
    public Interrupts(TextWriter error, Action<int>? exit)
    {
        _error = error;
        _exit = exit;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Handle(c, SigInt)),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Handle(c, SigTerm)),
        ];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>The number of the first signal that came, or 0 while none has.</summary>
    public int Signal => Volatile.Read(ref _signal);

    /// <summary>The exit code for a command that <paramref name="signal"/> stopped: 130 for SIGINT, 143 for SIGTERM.</summary>
    public static int ExitCode(int signal) => 128 + signal;

    /// <summary>What a signal does: the first one cancels, a second one ends the process.</summary>
    internal void Handle(PosixSignalContext context, int signal)
    {
        // Whatever comes, the runtime's default (which kills the process mid-write) never runs.
        context.Cancel = true;
        if (Interlocked.CompareExchange(ref _signal, signal, 0) == 0)
        {
            _cancellation.Cancel();
            return;
        }

        if (_exit is null)
        {
            return;
        }

        try
        {
            _error.WriteLine("nix-watcher: interrupted again: exiting now (what was being staged is removed at the next start)");
            _error.Flush();
        }
        catch (IOException)
        {
            // stderr is gone (a closed pipe): exit all the same.
        }

        _exit(ExitCode(signal));
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _cancellation.Dispose();
    }
}
