using System.Text.RegularExpressions;

namespace Watcher.Config;

/// <summary>The <c>[watch]</c> table: what to watch and how discoveries are batched.</summary>
internal sealed class WatchOptions
{
    /// <summary>The roots used when <c>roots</c> is not set; <c>~</c> is expanded by the loader.</summary>
    public static readonly IReadOnlyList<string> DefaultRoots = ["/run/current-system", "~/.nix-profile"];

    /// <summary>The Nix store directory to watch (<c>store-dir</c>); must be absolute.</summary>
    /// <value>The default value is <c>/nix/store</c>, Nix's own default; only chroot stores differ.</value>
    public string StoreDir { get; init; } = "/nix/store";

    /// <summary>What the start-up scan catches up on (<c>scan</c>).</summary>
    /// <value>The default value is <see cref="ScanMode.Roots"/>: it catches what was built while Watcher was
    /// stopped and ends up in a profile, without pushing every path ever fetched from upstream.</value>
    public ScanMode Scan { get; init; } = ScanMode.Roots;

    /// <summary>The GC roots whose closures the <see cref="ScanMode.Roots"/> scan pushes (<c>roots</c>), expanded.</summary>
    /// <value>The default value is <c>/run/current-system</c> and <c>~/.nix-profile</c>: the system and the user profile.</value>
    public IReadOnlyList<string> Roots { get; init; } = [];

    /// <summary>Whether <c>.drv</c> files are skipped (<c>skip-derivations</c>).</summary>
    /// <value>The default value is <see langword="true"/>: substituters serve outputs; derivations only add upload volume.</value>
    public bool SkipDerivations { get; init; } = true;

    /// <summary>Patterns on the store path name (<c>hash-name</c>) whose paths are not pushed (<c>exclude</c>).</summary>
    /// <value>The default value is empty: everything is pushed.</value>
    /// <remarks>Compiled with <see cref="RegexOptions.NonBacktracking"/> so that no pattern can stall the
    /// planner; look-arounds and back-references are therefore rejected when the config is loaded.</remarks>
    public IReadOnlyList<Regex> Exclude { get; init; } = [];

    /// <summary>Upload workers per cache (<c>jobs</c>); a cache's own <c>jobs</c> overrides it.</summary>
    /// <value>The default value is 4: enough to hide per-request latency without saturating a home uplink.</value>
    public int Jobs { get; init; } = 4;

    /// <summary>How long discovery must be quiet before a batch is planned (<c>batch-quiet-ms</c>).</summary>
    /// <value>The default value is 250 ms: a build's outputs appear within milliseconds of each other.</value>
    public TimeSpan BatchQuiet { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest a discovery waits for its batch to be planned (<c>batch-max-ms</c>).</summary>
    /// <value>The default value is 2000 ms: a steady trickle of paths still gets pushed promptly
    /// (attic uses 10 s, which is noticeable when someone waits for a push).</value>
    public TimeSpan BatchMax { get; init; } = TimeSpan.FromMilliseconds(2000);
}
