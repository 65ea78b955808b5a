using System.Net;
using MasterSocket.Broker;
using MasterSocket.Broker.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MasterSocket.Tests.Broker.Support;

/// <summary>
/// A real broker in this process, on 127.0.0.1 with ports the OS picks, built exactly as Program.cs
/// builds it; settings are the same keys an operator uses (PROTOCOL.md 8).
/// </summary>
public sealed class BrokerServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BrokerServer(WebApplication app, IPEndPoint endPoint, Uri adminUri)
    {
        _app = app;
        EndPoint = endPoint;
        AdminUri = adminUri;
    }

    public IPEndPoint EndPoint { get; }

    public Uri WebSocketUri => new($"ws://127.0.0.1:{EndPoint.Port}/ws");

    public Uri AdminUri { get; }

    public BrokerRuntime Runtime => _app.Services.GetRequiredService<BrokerRuntime>();

    public static async Task<BrokerServer> StartAsync(IDictionary<string, string?>? settings = null, string environment = "Development")
    {
        var app = Build(settings, environment);
        await app.StartAsync();
        var endPoint = await app.Services.GetRequiredService<SocketListener>().BoundEndPoint;
        var admin = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BrokerServer(app, endPoint, new Uri(admin));
    }

    /// <summary>Builds (without starting) a broker host with test defaults under <paramref name="settings"/>.</summary>
    public static WebApplication Build(IDictionary<string, string?>? settings = null, string environment = "Development")
    {
        var values = new Dictionary<string, string?>
        {
            ["Broker:BindAddress"] = "127.0.0.1",
            ["Broker:Port"] = "0",
            ["Broker:AdminPort"] = "0",
            ["Broker:ShutdownTimeout"] = "00:00:02",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        return BrokerHost.Build(["--environment", environment], builder => builder.Configuration.AddInMemoryCollection(values));
    }

    /// <summary>Waits until the broker has no connection left (every one cleaned up).</summary>
    public async Task WaitForNoConnectionsAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (Runtime.Connections.Count > 0 || Runtime.Registry.Count > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"the broker still holds {Runtime.Connections.Count} connections and {Runtime.Registry.Count} registered clients");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
