using YamlDotNet.RepresentationModel;

namespace Watcher.IntegrationTests.Contrib;

/// <summary>
/// A Prometheus rule file and its promtool unit-test file, read as YAML: the alerts with their expressions and
/// labels, and the test cases (which alert, whether any alert is expected). Can write a copy of the rules with one
/// expression replaced.
/// </summary>
public sealed class AlertRuleFile
{
    private readonly YamlStream _rules;

    private AlertRuleFile(YamlStream rules)
    {
        _rules = rules;
        Alerts = [.. RuleNodes().Select(r => new Alert(
            Scalar(r, "alert"),
            Scalar(r, "expr"),
            Map(r, "labels"),
            Map(r, "annotations")))];
    }

    public IReadOnlyList<Alert> Alerts { get; }

    public static AlertRuleFile Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return new AlertRuleFile(stream);
    }

    /// <summary>The <c>alert_rule_test</c> cases of a promtool test file, over all its tests.</summary>
    public static IReadOnlyList<TestCase> LoadTestCases(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        return [.. ((YamlSequenceNode)root["tests"]).Cast<YamlMappingNode>()
            .SelectMany(t => t.Children.TryGetValue(new YamlScalarNode("alert_rule_test"), out var cases) ? ((YamlSequenceNode)cases).Cast<YamlMappingNode>() : [])
            .Select(c => new TestCase(Scalar(c, "alertname"), Scalar(c, "eval_time"), ((YamlSequenceNode)c["exp_alerts"]).Children.Count))];
    }

    /// <summary>Writes the rules to <paramref name="path"/> with the expression of <paramref name="alert"/> replaced.</summary>
    public void SaveWithExpression(string alert, string expression, string path)
    {
        var rule = RuleNodes().Single(r => Scalar(r, "alert") == alert);
        rule.Children[new YamlScalarNode("expr")] = new YamlScalarNode(expression);
        try
        {
            using var writer = new StreamWriter(path);
            _rules.Save(writer, assignAnchors: false);
        }
        finally
        {
            rule.Children[new YamlScalarNode("expr")] = new YamlScalarNode(Alerts.Single(a => a.Name == alert).Expression);
        }
    }

    private IEnumerable<YamlMappingNode> RuleNodes()
    {
        var root = (YamlMappingNode)_rules.Documents[0].RootNode;
        return ((YamlSequenceNode)root["groups"]).Cast<YamlMappingNode>()
            .SelectMany(g => ((YamlSequenceNode)g["rules"]).Cast<YamlMappingNode>())
            .Where(r => r.Children.ContainsKey(new YamlScalarNode("alert")));
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value ?? string.Empty;

    private static Dictionary<string, string> Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value)
            ? ((YamlMappingNode)value).Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value ?? string.Empty, StringComparer.Ordinal)
            : [];

    /// <summary>One alerting rule.</summary>
    public sealed record Alert(string Name, string Expression, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations);

    /// <summary>One <c>alert_rule_test</c> case: at <paramref name="EvalTime"/>, <paramref name="ExpectedAlerts"/> alerts named <paramref name="AlertName"/>.</summary>
    public sealed record TestCase(string AlertName, string EvalTime, int ExpectedAlerts);
}
