using System.Net;
using System.Net.Sockets;
using MasterSocket.Tests.Broker.Support;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// The transport's robustness: thousands of connections opened and dropped every way a network
/// drops them; afterwards every connection and registry entry is gone, and the broker still serves.
/// </summary>
public sealed class TransportSoakTests
{
    [Test]
    public async Task Thousands_of_connections_dropped_every_way_leave_nothing_behind()
    {
        await using var server = await BrokerServer.StartAsync(new Dictionary<string, string?>
        {
            ["Broker:Session:CloseTimeout"] = "00:00:01",
            ["Broker:Session:IdentifyTimeout"] = "00:00:02",
        });
        await using var observer = await TestClient.IdentifiedAsync(server, "observer", "service");

        const int total = 2000;
        var ways = new Func<Task>[]
        {
            () => ResetRightAway(server),
            () => DropMidHandshake(server),
            () => IdentifyThenReset(server),
            () => IdentifyThenHalfClose(server),
            () => CloseProperly(server),
            () => DropMidFrame(server),
        };
        for (var batch = 0; batch < total; batch += 100)
        {
            await Task.WhenAll(Enumerable.Range(batch, 100).Select(i => ways[i % ways.Length]()));
        }

        // Only the observer may remain.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((server.Runtime.Connections.Count > 1 || server.Runtime.Registry.Count > 1) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.That(server.Runtime.Connections.Count, Is.EqualTo(1), "every dropped connection was cleaned up");
        Assert.That(server.Runtime.Connections.WebSocketCount, Is.EqualTo(1));
        Assert.That(server.Runtime.Registry.Count, Is.EqualTo(1));
        Assert.That(server.Runtime.Registry.Everyone.Count, Is.EqualTo(1));

        await observer.SendAsync("""{"id":"alive","op":3}""");
        Assert.That((await observer.ReceiveAsync()).GetProperty("id").GetString(), Is.EqualTo("alive"));
    }

    [Test]
    public async Task Half_closed_client_is_cleaned_up_and_becomes_unreachable()
    {
        await using var server = await BrokerServer.StartAsync();
        using var raw = await RawClient.IdentifiedAsync(server.EndPoint, "half");
        raw.Socket.Shutdown(SocketShutdown.Send);
        Assert.That(await raw.WaitForEndOfStreamAsync(), Is.True, "the broker ends a connection whose peer sent FIN");
        await server.WaitForNoConnectionsAsync();
    }

    private static async Task ResetRightAway(BrokerServer server)
    {
        using var raw = await RawClient.ConnectAsync(server.EndPoint);
        raw.Socket.LingerState = new LingerOption(true, 0); // close with RST
    }

    private static async Task DropMidHandshake(BrokerServer server)
    {
        using var raw = await RawClient.ConnectAsync(server.EndPoint);
        await raw.SendAsync("GET /ws HTTP/1.1\r\nHost: x\r\nUpg");
    }

    private static async Task IdentifyThenReset(BrokerServer server)
    {
        using var raw = await RawClient.IdentifiedAsync(server.EndPoint, "r", "client", "soak");
        raw.Socket.LingerState = new LingerOption(true, 0);
    }

    private static async Task IdentifyThenHalfClose(BrokerServer server)
    {
        using var raw = await RawClient.IdentifiedAsync(server.EndPoint, "h", "client", "soak");
        raw.Socket.Shutdown(SocketShutdown.Send);
        await raw.WaitForEndOfStreamAsync();
    }

    private static async Task CloseProperly(BrokerServer server)
    {
        await using var client = await TestClient.IdentifiedAsync(server, "p", "client", "soak");
    }

    private static async Task DropMidFrame(BrokerServer server)
    {
        using var raw = await RawClient.UpgradedAsync(server.EndPoint);
        await raw.SendAsync(new byte[] { 0x81, 0xFE, 0x10, 0x00, 1, 2, 3, 4, 5, 6 }); // promises 4 KiB, sends 2 bytes
    }
}
