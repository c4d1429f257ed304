using Watcher.Config;

namespace Watcher.Tests.Config;

public sealed class AtticConfigDocumentTests
{
    // The three ways TOML writes a table: a header, an inline table and dotted keys.
    [Theory]
    [InlineData("[servers.home]\nendpoint = \"https://a.example/\"\ntoken = \"secret\"\n")]
    [InlineData("servers = { home = { endpoint = \"https://a.example/\", token = \"secret\" } }\n")]
    [InlineData("servers.home.endpoint = \"https://a.example/\"\nservers.home.token = \"secret\"\n")]
    public void GetString_EachTableSyntax_ReadsTheServersKeys(string toml)
    {
        AtticConfigDocument document = AtticConfigDocument.Parse(toml);

        Assert.Null(document.ErrorPosition);
        Assert.Equal(["home"], document.ServerNames);
        Assert.Equal("https://a.example/", document.GetString("home", ConfigKeys.Endpoint));
        Assert.Equal("secret", document.GetString("home", ConfigKeys.AtticToken));
    }

    [Fact]
    public void GetString_OtherKeysAndTypes_AreToleratedAndNotStrings()
    {
        const string Toml = "default-server = \"home\"\n[servers.home]\nendpoint = \"https://a.example/\"\ntoken-file = 7\nretries = 3\n"
            + "[[servers.list]]\nendpoint = \"https://b.example/\"\n[servers.other]\n";

        AtticConfigDocument document = AtticConfigDocument.Parse(Toml);

        Assert.Equal(["home", "other"], document.ServerNames);
        Assert.Null(document.GetString("home", ConfigKeys.TokenFile));
        Assert.Null(document.GetString("list", ConfigKeys.Endpoint));
        Assert.Null(document.GetString("other", ConfigKeys.Endpoint));
        Assert.Null(document.GetString("missing", ConfigKeys.Endpoint));
    }

    [Fact]
    public void Parse_NoServers_HasNone()
    {
        AtticConfigDocument document = AtticConfigDocument.Parse("default-server = \"home\"\n");

        Assert.Empty(document.ServerNames);
        Assert.Null(document.GetString("home", ConfigKeys.Endpoint));
    }

    [Fact]
    public void ThrowIfInvalid_BadToml_NamesThePositionButNotTheText()
    {
        AtticConfigDocument document = AtticConfigDocument.Parse("[servers.home]\ntoken = \"s3cr3t-token\"\ntoken = \"s3cr3t-token\"\n");

        Assert.Equal(new ConfigPosition(3, 1), document.ErrorPosition);
        var ex = Assert.Throws<InvalidDataException>(() => document.ThrowIfInvalid());
        Assert.Equal("not valid TOML at line 3, column 1", ex.Message);
    }
}
