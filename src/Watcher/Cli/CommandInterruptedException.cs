namespace Watcher.Cli;

/// <summary>A command stopped by a signal, with what it had done by then (<c>12 pushed, 3 not pushed</c>) for its one line.</summary>
internal sealed class CommandInterruptedException : OperationCanceledException
{
    public CommandInterruptedException(string done, CancellationToken token)
        : base("interrupted: " + done, token)
    {
        Done = done;
    }

    public CommandInterruptedException(string done, Exception innerException, CancellationToken token)
        : base("interrupted: " + done, innerException, token)
    {
        Done = done;
    }

    /// <summary>What the command had done when it stopped.</summary>
    public string Done { get; }
}
