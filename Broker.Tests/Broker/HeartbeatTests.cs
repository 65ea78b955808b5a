using System.Net.WebSockets;
using MasterSocket.Tests.Broker.Support;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Broker;

/// <summary>PROTOCOL.md 5: the broker's PINGs, PONG answers, and HEARTBEAT_TIMEOUT.</summary>
public sealed class HeartbeatTests
{
    private BrokerServer _server = null!;

    [OneTimeSetUp]
    public async Task Start() => _server = await BrokerServer.StartAsync(new Dictionary<string, string?>
    {
        ["Broker:Session:HeartbeatInterval"] = "00:00:00.150",
        ["Broker:Session:HeartbeatTimeout"] = "00:00:00.500",
    });

    [OneTimeTearDown]
    public async Task Stop() => await _server.DisposeAsync();

    [Test]
    public async Task Broker_pings_identified_clients_and_a_client_that_answers_stays_connected()
    {
        await using var client = await TestClient.IdentifiedAsync(_server, "lively");
        var started = DateTime.UtcNow;
        var pings = new HashSet<long>();
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(1.5))
        {
            var ping = await client.ReceiveAsync(skipPings: false);
            Assert.That(ping.GetProperty("op").GetInt32(), Is.EqualTo(3));
            Assert.That(ping.GetProperty("from").GetString(), Is.EqualTo("broker"));
            var id = ping.GetProperty("id").GetInt64();
            Assert.That(pings.Add(id), Is.True, "each PING has its own id");
            await client.SendAsync($$"""{"id":{{id}},"op":4}""");
        }

        Assert.That(pings, Has.Count.GreaterThanOrEqualTo(5));
        Assert.That(client.Socket.State, Is.EqualTo(WebSocketState.Open), "answering PINGs keeps the session alive past the timeout");
    }

    [Test]
    public async Task Client_PING_gets_PONG_with_the_same_id()
    {
        await using var client = await TestClient.IdentifiedAsync(_server, "pinger");
        await client.SendAsync("""{"id":"ping-1","op":3}""");
        var pong = await client.ReceiveAsync();
        Assert.That((pong.GetProperty("op").GetInt32(), pong.GetProperty("id").GetString(), pong.GetProperty("from").GetString()),
            Is.EqualTo((4, "ping-1", "broker")));
    }

    [Test]
    public async Task Any_frame_counts_as_a_sign_of_life_not_only_PONG()
    {
        // This client never answers the broker's PINGs; it only sends WebSocket-level pings.
        using var raw = await RawClient.IdentifiedAsync(_server.EndPoint, "pinger");
        var started = DateTime.UtcNow;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(1.5)) // three heartbeat timeouts
        {
            await raw.SendFrameAsync(MasterSocket.Protocol.WebSockets.FrameOpcode.Ping, "alive"u8);
            await Task.Delay(100);
        }

        // Still connected: a PING envelope is answered with PONG.
        await raw.SendTextAsync("""{"id":"still","op":3}""");
        Assert.That((await raw.ReadMessageAsync()).GetProperty("id").GetString(), Is.EqualTo("still"));
    }

    [Test]
    public async Task Silent_client_gets_DISCONNECT_HEARTBEAT_TIMEOUT_and_close_4003()
    {
        using var raw = await RawClient.UpgradedAsync(_server.EndPoint);
        await raw.SendTextAsync("""{"id":"i","op":1,"data":{"name":"silent"}}""");
        var (code, before) = await raw.ReadUntilCloseAsync();
        Assert.That(code, Is.EqualTo(4003));
        var disconnect = before[^1];
        Assert.That(disconnect.GetProperty("op").GetInt32(), Is.EqualTo(2));
        Assert.That(disconnect.GetProperty("data").GetProperty("code").GetString(), Is.EqualTo("HEARTBEAT_TIMEOUT"));
        Assert.That(disconnect.GetProperty("data").GetProperty("reconnect").GetBoolean(), Is.True);
        Assert.That(before.Count(m => m.GetProperty("op").GetInt32() == 3), Is.GreaterThanOrEqualTo(1), "it was PINGed before being dropped");
    }
}

/// <summary>PROTOCOL.md 5: a client that stops reading is disconnected; nobody else notices.</summary>
public sealed class SlowConsumerTests
{
    [Test]
    public async Task Slow_consumer_is_disconnected_with_SLOW_CONSUMER_while_others_receive_everything()
    {
        await using var server = await BrokerServer.StartAsync(new Dictionary<string, string?>
        {
            ["Broker:Limits:MaxMessageBytes"] = "16384",
            ["Broker:Limits:MaxPendingBytes"] = "1048576",
            ["Broker:Session:CloseTimeout"] = "00:00:20",
        });
        await using var publisher = await TestClient.IdentifiedAsync(server, "publisher", "service");
        await using var fast = await TestClient.IdentifiedAsync(server, "fast", "client", "flood");
        using var slow = await RawClient.IdentifiedAsync(server.EndPoint, "slow", "client", "flood");

        // The slow client now stops reading. The publisher keeps a window of 50 messages ahead of the
        // fast member (as a real publisher paces itself), sending 8 MB in all: far more than the socket
        // buffers and the 1 MiB bound can hold for a client that never reads.
        const int count = 2000;
        const int window = 50;
        var padding = new string('x', 4000);
        var received = 0;
        for (var i = 0; i < count; i++)
        {
            await publisher.SendAsync($$$"""{"id":{{{i}}},"op":0,"event":"TICK","data":"{{{padding}}}","intent":{"target":"GROUP","identifier":"flood"}}""");
            while (received <= i - window || (i == count - 1 && received < count))
            {
                var got = await fast.ReceiveAsync();
                Assert.That(got.GetProperty("id").GetInt32(), Is.EqualTo(received++), $"the fast member gets every message, in order: {got}");
            }
        }

        // Now the slow client reads what was sent before it was cut off: a prefix in order, then DISCONNECT, then 4008.
        var (code, before) = await slow.ReadUntilCloseAsync();
        Assert.That(code, Is.EqualTo(4008));
        var disconnect = before[^1];
        Assert.That(disconnect.GetProperty("op").GetInt32(), Is.EqualTo(2));
        Assert.That(disconnect.GetProperty("data").GetProperty("code").GetString(), Is.EqualTo("SLOW_CONSUMER"));
        Assert.That(disconnect.GetProperty("data").GetProperty("reconnect").GetBoolean(), Is.True);
        var ids = before.Where(m => m.GetProperty("op").GetInt32() == 0).Select(m => m.GetProperty("id").GetInt32()).ToList();
        Assert.That(ids, Is.Ordered.And.Count.LessThan(count), "it got an ordered prefix, not everything");

        // The publisher was never slowed or cut off.
        await publisher.SendAsync("""{"id":"after","op":0,"event":"X","intent":{"target":"GROUP","identifier":"flood"}}""");
        Assert.That((await fast.ReceiveAsync()).GetProperty("id").GetString(), Is.EqualTo("after"));
    }

    [Test]
    public async Task Slow_consumer_of_broadcasts_read_together_is_disconnected_while_others_receive_everything()
    {
        // The same rule when the broadcasts arrive in bursts the broker reads together and queues on
        // each member as one frame (ReadBatch): the bound applies to those frames' bytes.
        await using var server = await BrokerServer.StartAsync(new Dictionary<string, string?>
        {
            ["Broker:Limits:MaxPendingBytes"] = "1048576",
            ["Broker:Session:CloseTimeout"] = "00:00:20",
        });
        using var publisher = await RawClient.IdentifiedAsync(server.EndPoint, "publisher", "service");
        await using var fast = await TestClient.IdentifiedAsync(server, "fast", "client", "burst");
        using var slow = await RawClient.IdentifiedAsync(server.EndPoint, "slow", "client", "burst");

        const int bursts = 400;
        const int perBurst = 20; // 8 MB in all, each burst one TCP write
        var padding = new string('x', 1000);
        for (var b = 0; b < bursts; b++)
        {
            var bytes = new List<byte>();
            for (var i = b * perBurst; i < (b + 1) * perBurst; i++)
            {
                bytes.AddRange(ClientFrames.Text($$$"""{"id":{{{i}}},"op":0,"event":"TICK","data":"{{{padding}}}","intent":{"target":"GROUP","identifier":"burst"}}"""));
            }

            await publisher.SendAsync(bytes.ToArray());
            for (var i = b * perBurst; i < (b + 1) * perBurst; i++)
            {
                Assert.That((await fast.ReceiveAsync()).GetProperty("id").GetInt32(), Is.EqualTo(i), "the fast member gets every message, in order");
            }
        }

        await AssertCutOffAfterAnUnbrokenPrefixAsync(slow, sent: bursts * perBurst);
    }

    [Test]
    public async Task Slow_consumer_of_DIRECTs_read_together_is_disconnected_while_others_receive_everything()
    {
        // A sender's DIRECTs to one client that arrive in one read are written into one frame for it
        // (ReadBatch): the bound applies to those frames' bytes, and a client the same read also
        // sends to is not held back by the slow one.
        await using var server = await BrokerServer.StartAsync(new Dictionary<string, string?>
        {
            ["Broker:Limits:MaxPendingBytes"] = "1048576",
            ["Broker:Session:CloseTimeout"] = "00:00:20",
        });
        using var sender = await RawClient.IdentifiedAsync(server.EndPoint, "sender");
        await using var fast = await TestClient.IdentifiedAsync(server, "fast", "client");
        using var slow = await RawClient.IdentifiedAsync(server.EndPoint, "slow");

        const int bursts = 400;
        const int perBurst = 20; // 8 MB in all for the slow client, each burst one TCP write
        var padding = new string('x', 1000);
        string Direct(int id, string to) =>
            $$$"""{"id":{{{id}}},"op":0,"event":"TICK","data":"{{{padding}}}","intent":{"target":"DIRECT","identifier":"{{{to}}}"}}""";
        for (var b = 0; b < bursts; b++)
        {
            var bytes = new List<byte>();
            var ids = Enumerable.Range(b * perBurst, perBurst).ToList();
            ids.ForEach(i => bytes.AddRange(ClientFrames.Text(Direct(i, slow.ClientId))));
            ids.ForEach(i => bytes.AddRange(ClientFrames.Text(Direct(i, fast.ClientId))));
            await sender.SendAsync(bytes.ToArray());
            foreach (var i in ids)
            {
                Assert.That((await fast.ReceiveAsync()).GetProperty("id").GetInt32(), Is.EqualTo(i), "the fast client gets every message, in order");
            }
        }

        await AssertCutOffAfterAnUnbrokenPrefixAsync(slow, sent: bursts * perBurst);
    }

    /// <summary>
    /// What a client that stopped reading finds when it reads again: the messages with ids 0, 1, 2, ...
    /// up to where it was cut off (fewer than <paramref name="sent"/>), then DISCONNECT SLOW_CONSUMER and close 4008.
    /// </summary>
    private static async Task AssertCutOffAfterAnUnbrokenPrefixAsync(RawClient slow, int sent)
    {
        var (code, before) = await slow.ReadUntilCloseAsync();
        Assert.That(code, Is.EqualTo(4008));
        Assert.That(before[^1].GetProperty("data").GetProperty("code").GetString(), Is.EqualTo("SLOW_CONSUMER"));
        var ids = before.Where(m => m.GetProperty("op").GetInt32() == 0).Select(m => m.GetProperty("id").GetInt32()).ToList();
        Assert.That(ids, Is.EqualTo(Enumerable.Range(0, ids.Count)), "an unbroken prefix, in order");
        Assert.That(ids, Has.Count.LessThan(sent));
    }

    /// <summary>
    /// The bound counts bytes waiting, not bytes ever sent: each send gives its bytes back. A client
    /// that reads as it goes receives many times the bound and is never called slow.
    /// </summary>
    [Test]
    public async Task A_client_that_reads_receives_far_more_than_the_bound_without_being_disconnected()
    {
        await using var server = await BrokerServer.StartAsync(new Dictionary<string, string?>
        {
            ["Broker:Limits:MaxMessageBytes"] = "16384",
            ["Broker:Limits:MaxPendingBytes"] = "16384",
        });
        await using var sender = await TestClient.IdentifiedAsync(server, "sender", "service");
        await using var reader = await TestClient.IdentifiedAsync(server, "reader", "client", "steady");

        // 200 messages of ~1 KiB, one at a time: 12 times the 16 KiB bound in all, never more than one waiting.
        var padding = new string('x', 1000);
        for (var i = 0; i < 200; i++)
        {
            await sender.SendAsync($$$"""{"id":{{{i}}},"op":0,"event":"TICK","data":"{{{padding}}}","intent":{"target":"GROUP","identifier":"steady"}}""");
            var got = await reader.ReceiveAsync();
            Assert.That(got.GetProperty("op").GetInt32(), Is.EqualTo(0), $"message {i} delivered, not a DISCONNECT: {got}");
            Assert.That(got.GetProperty("id").GetInt32(), Is.EqualTo(i));
        }
    }
}
