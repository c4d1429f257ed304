using System.Diagnostics;
using Watcher.Nar;

// nar-hash PATH [REPEAT]: the NAR hash and size of PATH as `nix-store --dump PATH | sha256sum` would give them,
// and the best wall time of REPEAT runs.
if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: nar-hash PATH [REPEAT]");
    return 2;
}

int repeat = args.Length == 2 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
NarResult? result = null;
double best = double.MaxValue;
for (int i = 0; i < repeat; i++)
{
    long start = Stopwatch.GetTimestamp();
    result = await NarWriter.WriteAsync(args[0], Stream.Null, CancellationToken.None);
    best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
}

Console.WriteLine(FormattableString.Invariant($"{Convert.ToHexStringLower(result!.NarHash)} {result.NarSize} {best:F3}"));
return 0;
