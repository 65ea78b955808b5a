using System.Diagnostics;
using System.Text.RegularExpressions;
using MasterSocket.Broker;
using MasterSocket.Tests.Broker.Support;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// No Docker engine runs here, so the container is tested by what it consists of: the program its
/// ENTRYPOINT names, started with the environment of deploy/Dockerfile and deploy/compose.yaml,
/// must serve clients with the compose file's keys, and stop cleanly on SIGTERM.
/// </summary>
public sealed partial class DeployTests
{
    [Test]
    public async Task Container_entrypoint_and_environment_start_a_working_broker_that_stops_on_SIGTERM()
    {
        var deploy = Path.Combine(RepositoryRoot(), "deploy");
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(deploy, "Dockerfile"));
        var entrypoint = EntrypointPattern().Match(dockerfile);
        Assert.That(entrypoint.Success, Is.True, "the Dockerfile has an exec-form ENTRYPOINT");
        Assert.That(entrypoint.Groups[1].Value, Is.EqualTo(Path.GetFileName(typeof(BrokerHost).Assembly.Location)), "ENTRYPOINT runs the broker's own assembly");

        var environment = DockerfileEnvironment(dockerfile);
        Assert.That(environment["DOTNET_ENVIRONMENT"], Is.EqualTo("Production"));
        foreach (var (key, value) in ComposeEnvironment(await File.ReadAllTextAsync(Path.Combine(deploy, "compose.yaml"))))
        {
            environment[key] = value;
        }

        // Loopback and free ports for the test; everything else exactly as the container has it.
        environment["Broker__BindAddress"] = "127.0.0.1";
        environment["Broker__Port"] = "0";
        environment["Broker__AdminPort"] = "0";

        var start = new ProcessStartInfo("dotnet", [typeof(BrokerHost).Assembly.Location]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        try
        {
            var (wsPort, adminPort, completions, calls) = await ReadStartupAsync(process);
            Assert.That(completions, Is.EqualTo("inline"), "the broker process runs socket completions on the engine's threads (Program.cs)");
            Assert.That(calls, Is.EqualTo(OperatingSystem.IsLinux() && Environment.Is64BitProcess ? "native" : ".NET"), "the hot path's recv and sendmsg (NativeSocket)");
            using (var http = new HttpClient())
            {
                var health = await http.GetAsync(new Uri($"http://127.0.0.1:{adminPort}/healthz"));
                Assert.That((int)health.StatusCode, Is.EqualTo(200));
            }

            await using (var client = await TestClient.ConnectAsync(new Uri($"ws://127.0.0.1:{wsPort}/ws")))
            {
                var reply = await client.IdentifyAsync(new { token = environment["Broker__Auth__Keys__0__Key"] });
                Assert.That(reply.GetProperty("name").GetString(), Is.EqualTo(environment["Broker__Auth__Keys__0__Name"]));
                Assert.That(reply.GetProperty("node").GetString(), Is.EqualTo(environment["Broker__NodeId"]));
                using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
                await kill.WaitForExitAsync();
                var shutdown = await client.ReceiveAsync();
                Assert.That(shutdown.GetProperty("data").GetProperty("code").GetString(), Is.EqualTo("SHUTDOWN"));
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);
            Assert.That(process.ExitCode, Is.Zero, "SIGTERM drains and exits cleanly");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    /// <summary>The ports the broker listens on, its socket completion mode and socket calls, read from its start-up log.</summary>
    private static async Task<(int WebSocket, int Admin, string? Completions, string? Calls)> ReadStartupAsync(Process process)
    {
        int? ws = null, admin = null;
        string? completions = null, calls = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((ws is null || admin is null || completions is null) && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (SocketCompletions().Match(line) is { Success: true } c)
            {
                completions = c.Groups[1].Value;
                calls = c.Groups[2].Value;
            }

            if (WebSocketListening().Match(line) is { Success: true } w)
            {
                ws = int.Parse(w.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }

            if (AdminListening().Match(line) is { Success: true } a)
            {
                admin = int.Parse(a.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        if (ws is null || admin is null)
        {
            // Only now read stderr: reading it to the end waits for the process to exit.
            process.Kill();
            Assert.Fail($"the broker did not start: {await process.StandardError.ReadToEndAsync()}");
        }

        return (ws!.Value, admin!.Value, completions, calls);
    }

    /// <summary>Every KEY=VALUE of the Dockerfile's ENV instructions (continuation lines joined).</summary>
    private static Dictionary<string, string> DockerfileEnvironment(string dockerfile)
    {
        var joined = dockerfile.Replace("\\\n", " ", StringComparison.Ordinal);
        return joined.Split('\n')
            .Where(line => line.StartsWith("ENV ", StringComparison.Ordinal))
            .SelectMany(line => line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);
    }

    /// <summary>The broker service's environment mapping in compose.yaml ("Key: value" lines under environment:).</summary>
    private static IEnumerable<(string Key, string Value)> ComposeEnvironment(string compose)
    {
        var inEnvironment = false;
        foreach (var line in compose.Split('\n'))
        {
            if (line.Trim() == "environment:")
            {
                inEnvironment = true;
                continue;
            }

            if (inEnvironment && ComposeVariable().Match(line) is { Success: true } variable)
            {
                yield return (variable.Groups[1].Value, variable.Groups[2].Value.Trim().Trim('"'));
            }
            else if (inEnvironment)
            {
                inEnvironment = false;
            }
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MasterSocket.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("MasterSocket.sln not found above the test assembly");
    }

    [GeneratedRegex("""^ENTRYPOINT \["dotnet", "([^"]+)"\]""", RegexOptions.Multiline)]
    private static partial Regex EntrypointPattern();

    [GeneratedRegex(@"^\s{6}(\w+):\s*(.+)$")]
    private static partial Regex ComposeVariable();

    [GeneratedRegex(@"Listening for WebSocket clients on [\d.]+:(\d+)")]
    private static partial Regex WebSocketListening();

    [GeneratedRegex(@"socket completions ([a-z ]+), socket calls ([a-zA-Z.]+)$")]
    private static partial Regex SocketCompletions();

    [GeneratedRegex(@"Now listening on: http://[\d.]+:(\d+)")]
    private static partial Regex AdminListening();
}
