using System.Runtime.InteropServices;
using Watcher.Cli;

namespace Watcher.Tests.Cli;

public sealed class InterruptsTests
{
    [Theory]
    [InlineData(Interrupts.SigInt, 130)]
    [InlineData(Interrupts.SigTerm, 143)]
    public void Handle_FirstSignal_CancelsTheTokenAndKeepsTheProcess(int signal, int exitCode)
    {
        var exits = new List<int>();
        using var error = new StringWriter();
        using var sut = new Interrupts(error, exits.Add);
        var context = new PosixSignalContext(PosixSignal.SIGINT);

        sut.Handle(context, signal);

        Assert.True(context.Cancel);
        Assert.True(sut.Token.IsCancellationRequested);
        Assert.Equal(signal, sut.Signal);
        Assert.Equal(exitCode, Interrupts.ExitCode(sut.Signal));
        Assert.Empty(exits);
        Assert.Empty(error.ToString());
    }

    [Fact]
    public void Handle_SecondSignal_ExitsAtOnceWithTheFirstOnesCodeAndOneLine()
    {
        var exits = new List<int>();
        using var error = new StringWriter();
        using var sut = new Interrupts(error, exits.Add);

        sut.Handle(new PosixSignalContext(PosixSignal.SIGINT), Interrupts.SigInt);
        var second = new PosixSignalContext(PosixSignal.SIGINT);
        sut.Handle(second, Interrupts.SigInt);

        Assert.True(second.Cancel);
        Assert.Equal([130], exits);
        Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("nix-watcher: interrupted again", StringComparison.Ordinal));
    }

    [Fact]
    public void Handle_SecondSignalToTheDaemon_IsLeftToItsHost()
    {
        using var error = new StringWriter();
        using var sut = new Interrupts(error, exit: null);

        sut.Handle(new PosixSignalContext(PosixSignal.SIGTERM), Interrupts.SigTerm);
        var second = new PosixSignalContext(PosixSignal.SIGTERM);
        sut.Handle(second, Interrupts.SigTerm);

        Assert.True(second.Cancel);
        Assert.Equal(Interrupts.SigTerm, sut.Signal);
        Assert.Empty(error.ToString());
    }
}
