using System.Text.RegularExpressions;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Contrib;

/// <summary>
/// <c>contrib/prometheus/nix-watcher.rules.yml</c> as Prometheus' own tool sees it: <c>promtool check rules</c> accepts
/// it, <c>promtool test rules</c> passes its unit tests, every alert has a case where it fires and one where it stays
/// quiet, and those cases really depend on the alert's expression.
/// </summary>
public sealed partial class AlertRulesTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("alert-rules-");

    public static TheoryData<string> AlertNames => [.. AlertRuleFile.Load(ContribFiles.Rules).Alerts.Select(a => a.Name)];

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task CheckRules_RulesFile_IsValidAndHasEveryAlert()
    {
        var ct = TestContext.Current.CancellationToken;
        var rules = AlertRuleFile.Load(ContribFiles.Rules);

        var check = await ProcessRunner.RunAsync("promtool", ["check", "rules", ContribFiles.Rules], cancellationToken: ct);

        Assert.True(check.ExitCode == 0, $"promtool check rules exited {check.ExitCode}:\n{check.StandardOutput}{check.StandardError}");
        Assert.Contains($"SUCCESS: {rules.Alerts.Count} rules found", check.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(6, rules.Alerts.Count);
    }

    [Fact]
    public async Task TestRules_UnitTests_Pass()
    {
        var ct = TestContext.Current.CancellationToken;

        var test = await ProcessRunner.RunAsync("promtool", ["test", "rules", ContribFiles.RuleTests], cancellationToken: ct);

        Assert.True(test.ExitCode == 0, $"promtool test rules exited {test.ExitCode}:\n{test.StandardOutput}{test.StandardError}");
        Assert.Contains("SUCCESS", test.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void TestRules_EveryAlert_HasAFiringAndAQuietCase()
    {
        var alerts = AlertRuleFile.Load(ContribFiles.Rules).Alerts.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var cases = AlertRuleFile.LoadTestCases(ContribFiles.RuleTests);

        // promtool passes a case for an alert that does not exist when it expects nothing: a misspelt name tests nothing.
        Assert.All(cases, c => Assert.Contains(c.AlertName, alerts));
        Assert.All(alerts, a =>
        {
            Assert.True(cases.Any(c => c.AlertName == a && c.ExpectedAlerts > 0), $"no case where {a} fires");
            Assert.True(cases.Any(c => c.AlertName == a && c.ExpectedAlerts == 0), $"no case where {a} stays quiet");
        });
    }

    [Theory]
    [MemberData(nameof(AlertNames))]
    public async Task TestRules_AlertThatNeverFires_FailsTheUnitTests(string alert)
    {
        var ct = TestContext.Current.CancellationToken;
        string rules = Path.Combine(_root.FullName, Path.GetFileName(ContribFiles.Rules));
        string tests = Path.Combine(_root.FullName, Path.GetFileName(ContribFiles.RuleTests));
        AlertRuleFile.Load(ContribFiles.Rules).SaveWithExpression(alert, "vector(1) == 0", rules);
        File.Copy(ContribFiles.RuleTests, tests);
        var check = await ProcessRunner.RunAsync("promtool", ["check", "rules", rules], cancellationToken: ct);
        Assert.True(check.ExitCode == 0, check.StandardOutput + check.StandardError);

        var test = await ProcessRunner.RunAsync("promtool", ["test", "rules", tests], cancellationToken: ct);

        Assert.NotEqual(0, test.ExitCode);
        Assert.Contains($"alertname: {alert},", test.StandardOutput + test.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_EveryAlert_HasASeverityASummaryAndADescription()
    {
        var alerts = AlertRuleFile.Load(ContribFiles.Rules).Alerts;

        Assert.All(alerts, a =>
        {
            Assert.StartsWith("NixWatcher", a.Name, StringComparison.Ordinal);
            Assert.Contains(a.Labels.GetValueOrDefault("severity"), new[] { "warning", "critical" });
            Assert.False(string.IsNullOrWhiteSpace(a.Annotations.GetValueOrDefault("summary")), $"{a.Name} has no summary");
            Assert.False(string.IsNullOrWhiteSpace(a.Annotations.GetValueOrDefault("description")), $"{a.Name} has no description");
        });
    }

    [Fact]
    public void OperationsDoc_AlertList_IsTheRulesFilesAlerts()
    {
        var alerts = AlertRuleFile.Load(ContribFiles.Rules).Alerts;
        string doc = File.ReadAllText(ContribFiles.OperationsDoc);

        var listed = AlertRow().Matches(doc).Select(m => (Name: m.Groups["name"].Value, Severity: m.Groups["severity"].Value)).ToList();

        Assert.Equal(alerts.Select(a => (a.Name, a.Labels["severity"])), listed);
    }

    /// <summary>A row of the alert table in docs/operations.md: <c>| `NixWatcherX` | severity | …</c>.</summary>
    [GeneratedRegex(@"(?m)^\| `(?<name>NixWatcher[A-Za-z]+)` \| (?<severity>[a-z]+) \|")]
    private static partial Regex AlertRow();
}
