using System.Diagnostics;
using MasterSocket.Broker;
using MasterSocket.Tests.Broker.Support;
using Microsoft.Extensions.Options;

namespace MasterSocket.Tests.Broker;

/// <summary>PROTOCOL.md 6 and 8: configuration is validated at start, with messages that name the key.</summary>
public sealed class StartupTests
{
    [TestCase("Production", null, "Broker:Auth:Mode", TestName = "No auth outside Development refuses to start")]
    [TestCase("Staging", "None", "Broker:Auth:Mode", TestName = "Auth None outside Development refuses to start")]
    public async Task Open_broker_outside_Development_refuses_to_start(string environment, string? mode, string key)
    {
        var settings = new Dictionary<string, string?> { ["Broker:Auth:Mode"] = mode };
        await using var app = BrokerServer.Build(settings, environment);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.That(error!.Message, Does.Contain(key));
    }

    [TestCase("Broker:Port", "70000", "Broker:Port")]
    [TestCase("Broker:Limits:MaxPendingBytes", "10", "Broker:Limits:MaxPendingBytes")]
    [TestCase("Broker:Session:HeartbeatTimeout", "00:00:01", "Broker:Session:HeartbeatTimeout")]
    [TestCase("Broker:Auth:Mode", "Keys", "Broker:Auth:Keys")]
    [TestCase("Broker:Auth:Mode", "Jwt", "Broker:Auth:Jwt")]
    public async Task Bad_setting_stops_the_start_naming_the_key(string setting, string value, string named)
    {
        await using var app = BrokerServer.Build(new Dictionary<string, string?> { [setting] = value });
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.That(error!.Message, Does.Contain(named));
    }

    [TestCase(null, null, "Broker:Auth:Mode", TestName = "Published entrypoint refuses an open broker in Production with exit code 2")]
    [TestCase("Broker__Port", "abc", "Broker:Port", TestName = "Published entrypoint refuses an unreadable value with exit code 2")]
    [TestCase("Broker__Auth__Mode", "Passwords", "Broker:Auth:Mode", TestName = "Published entrypoint refuses an unknown auth mode with exit code 2")]
    public async Task Published_entrypoint_refuses_to_start(string? variable, string? value, string named)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(BrokerHost).Assembly.Location])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment =
            {
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["Broker__Port"] = "0",
                ["Broker__AdminPort"] = "0",
            },
        };
        if (variable is not null)
        {
            start.Environment[variable] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.That(process.ExitCode, Is.EqualTo(2));
        Assert.That(await stderr, Does.Contain("refused to start").And.Contain(named));
    }
}

/// <summary>PROTOCOL.md 8: admin endpoints and draining on stop.</summary>
public sealed class AdminAndShutdownTests
{
    [Test]
    public async Task Healthz_and_readyz_answer_200()
    {
        await using var server = await BrokerServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.AdminUri };
        Assert.That((int)(await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode, Is.EqualTo(200));
        Assert.That((int)(await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode, Is.EqualTo(200));
    }

    [Test]
    public async Task Readyz_answers_503_while_the_node_drains()
    {
        var server = await BrokerServer.StartAsync(new Dictionary<string, string?> { ["Broker:Session:CloseTimeout"] = "00:00:02" });
        using var http = new HttpClient { BaseAddress = server.AdminUri };

        // A client that never answers the close handshake keeps the node draining for the close timeout.
        using var stubborn = await RawClient.IdentifiedAsync(server.EndPoint, "stubborn");

        var stopping = server.DisposeAsync().AsTask();
        var deadline = DateTime.UtcNow.AddSeconds(2);
        int status;
        do
        {
            status = (int)(await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode;
        }
        while (status == 200 && DateTime.UtcNow < deadline);

        Assert.That(status, Is.EqualTo(503));
        await stopping;
    }

    [Test]
    public async Task Stopping_sends_DISCONNECT_SHUTDOWN_and_close_1001()
    {
        var server = await BrokerServer.StartAsync();
        await using var client = await TestClient.IdentifiedAsync(server, "staying-late");
        var stopping = server.DisposeAsync().AsTask();
        var disconnect = await client.ReceiveAsync();
        Assert.That(disconnect.GetProperty("data").GetProperty("code").GetString(), Is.EqualTo("SHUTDOWN"));
        Assert.That(disconnect.GetProperty("data").GetProperty("reconnect").GetBoolean(), Is.True);
        Assert.That((int?)await client.WaitForCloseAsync(), Is.EqualTo(1001));
        await stopping;
    }
}
