namespace MasterSocket.Tests.LoadTool.Support;

/// <summary>
/// The side-by-side test needs Debian's nats-server. CI installs it and sets
/// MASTERSOCKET_TESTS_REQUIRE_NATS=1, so there a missing server fails the test; on a developer's
/// machine without it the test is ignored with the command that installs it.
/// </summary>
public static class NatsServerPresence
{
    public const string RequireVariable = "MASTERSOCKET_TESTS_REQUIRE_NATS";

    public static void Require()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, "nats-server")));
        if (found)
        {
            return;
        }

        const string Missing = "nats-server is not installed (apt-get install -y nats-server)";
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            Assert.Fail(Missing);
        }

        Assert.Ignore(Missing);
    }
}
