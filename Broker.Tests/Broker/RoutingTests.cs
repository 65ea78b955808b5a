using System.Text.Json;
using MasterSocket.Tests.Broker.Support;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Broker;

/// <summary>PROTOCOL.md 4 and 6 (roles): who gets what, from whom, in which order.</summary>
public sealed class RoutingTests
{
    private BrokerServer _server = null!;

    [OneTimeSetUp]
    public async Task Start() => _server = await BrokerServer.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await _server.DisposeAsync();

    [Test]
    public async Task GLOBAL_reaches_every_identified_client_except_the_sender()
    {
        await using var service = await TestClient.IdentifiedAsync(_server, "svc", "service");
        await using var a = await TestClient.IdentifiedAsync(_server, "a");
        await using var b = await TestClient.IdentifiedAsync(_server, "b", "client", "other");
        await using var anonymous = await TestClient.ConnectAsync(_server.WebSocketUri);

        await service.SendAsync(new { id = "g1", op = 0, @event = "NEWS", data = new { v = 1 }, intent = new { target = "GLOBAL" } });
        foreach (var client in new[] { a, b })
        {
            var delivered = await client.ReceiveAsync();
            Assert.That(delivered.GetProperty("event").GetString(), Is.EqualTo("NEWS"));
            Assert.That(delivered.GetProperty("from").GetString(), Is.EqualTo(service.ClientId));
        }

        await service.ExpectNothingAsync();
        await anonymous.ExpectNothingAsync(TimeSpan.FromMilliseconds(100));
    }

    [Test]
    public async Task GROUP_reaches_members_only_except_the_sender()
    {
        await using var m1 = await TestClient.IdentifiedAsync(_server, "m1", "client", "squad");
        await using var m2 = await TestClient.IdentifiedAsync(_server, "m2", "client", "squad", "x");
        await using var outsider = await TestClient.IdentifiedAsync(_server, "out", "client", "x");

        await m1.SendAsync(new { id = "s1", op = 0, @event = "MOVE", intent = new { target = "GROUP", identifier = "squad" } });
        var delivered = await m2.ReceiveAsync();
        Assert.That(delivered.GetProperty("from").GetString(), Is.EqualTo(m1.ClientId));
        await m1.ExpectNothingAsync(TimeSpan.FromMilliseconds(100));
        await outsider.ExpectNothingAsync(TimeSpan.FromMilliseconds(100));
    }

    [Test]
    public async Task GROUP_with_no_members_is_not_an_error()
    {
        await using var service = await TestClient.IdentifiedAsync(_server, "svc", "service");
        await service.SendAsync(new { id = "e", op = 0, @event = "X", intent = new { target = "GROUP", identifier = "nobody-here" } });
        await service.ExpectNothingAsync();
    }

    [Test]
    public async Task DIRECT_reaches_exactly_the_target()
    {
        await using var a = await TestClient.IdentifiedAsync(_server, "a");
        await using var b = await TestClient.IdentifiedAsync(_server, "b");
        await using var c = await TestClient.IdentifiedAsync(_server, "c");
        await a.SendAsync(new { id = "d", op = 0, @event = "WHISPER", intent = new { target = "DIRECT", identifier = b.ClientId } });
        Assert.That((await b.ReceiveAsync()).GetProperty("from").GetString(), Is.EqualTo(a.ClientId));
        await c.ExpectNothingAsync(TimeSpan.FromMilliseconds(100));
        await a.ExpectNothingAsync(TimeSpan.FromMilliseconds(100));
    }

    [Test]
    public async Task DIRECT_to_an_unknown_client_gets_NOT_FOUND()
    {
        await using var a = await TestClient.IdentifiedAsync(_server, "a");
        await a.SendAsync(new { id = "nf", op = 0, @event = "X", intent = new { target = "DIRECT", identifier = Guid.NewGuid().ToString() } });
        var error = await a.ReceiveAsync();
        Assert.That(error.GetProperty("id").GetString(), Is.EqualTo("nf"));
        Assert.That(error.GetProperty("data").GetProperty("error").GetProperty("code").GetString(), Is.EqualTo("NOT_FOUND"));
    }

    [Test]
    public async Task Request_and_REPLY_round_trip_through_a_service()
    {
        await using var service = await TestClient.IdentifiedAsync(_server, "matchmaker", "service", "matchmaking");
        await using var player = await TestClient.IdentifiedAsync(_server, "player", "client", "matchmaking");

        await player.SendAsync(new { id = "req-7", op = 0, @event = "FIND_MATCH", data = new { mode = "duel" }, intent = new { target = "GROUP", identifier = "matchmaking" } });
        var request = await service.ReceiveAsync();
        await service.SendAsync(new
        {
            id = request.GetProperty("id").GetString(),
            op = 5,
            data = new { match = "m-1" },
            intent = new { target = "DIRECT", identifier = request.GetProperty("from").GetString() },
        });

        var reply = await player.ReceiveAsync();
        Assert.That(reply.GetProperty("op").GetInt32(), Is.EqualTo(5));
        Assert.That(reply.GetProperty("id").GetString(), Is.EqualTo("req-7"));
        Assert.That(reply.GetProperty("from").GetString(), Is.EqualTo(service.ClientId));
        Assert.That(reply.GetProperty("data").GetProperty("match").GetString(), Is.EqualTo("m-1"));
    }

    [Test]
    public async Task Thousand_messages_from_one_sender_arrive_in_order()
    {
        await using var sender = await TestClient.IdentifiedAsync(_server, "sender", "service", "ordered");
        await using var direct = await TestClient.IdentifiedAsync(_server, "direct");
        await using var member = await TestClient.IdentifiedAsync(_server, "member", "client", "ordered");

        const int count = 1000;
        for (var i = 0; i < count; i++)
        {
            await sender.SendAsync($$$"""{"id":{{{i}}},"op":0,"event":"SEQ","intent":{"target":"GROUP","identifier":"ordered"}}""");
            await sender.SendAsync($$$"""{"id":{{{i}}},"op":0,"event":"SEQ","intent":{"target":"DIRECT","identifier":"{{{direct.ClientId}}}"}}""");
        }

        foreach (var client in new[] { member, direct })
        {
            for (var i = 0; i < count; i++)
            {
                Assert.That((await client.ReceiveAsync()).GetProperty("id").GetInt32(), Is.EqualTo(i));
            }
        }
    }

    [Test]
    public async Task Messages_that_arrive_in_one_read_keep_their_order_whatever_their_targets()
    {
        // One TCP write, so the broker reads them together and holds the broadcasts to the end of
        // the read (ReadBatch): the DIRECTs and the other group's messages in between must
        // still reach each recipient where they were sent.
        using var sender = await RawClient.IdentifiedAsync(_server.EndPoint, "sender", "service");
        await using var both = await TestClient.IdentifiedAsync(_server, "both", "client", "read-a", "read-b");
        await using var onlyA = await TestClient.IdentifiedAsync(_server, "only-a", "client", "read-a");

        var targets = new List<string>();
        var bytes = new List<byte>();
        for (var i = 0; i < 300; i++)
        {
            var intent = (i % 7) switch
            {
                3 => $$$"""{"target":"DIRECT","identifier":"{{{both.ClientId}}}"}""",
                5 => """{"target":"GROUP","identifier":"read-b"}""",
                _ => """{"target":"GROUP","identifier":"read-a"}""",
            };
            targets.Add(intent);
            bytes.AddRange(ClientFrames.Text($$$"""{"id":{{{i}}},"op":0,"event":"SEQ","intent":{{{intent}}}}"""));
        }

        await sender.SendAsync(bytes.ToArray());

        var forBoth = Enumerable.Range(0, 300).ToList();
        var forOnlyA = forBoth.Where(i => targets[i].Contains("read-a", StringComparison.Ordinal)).ToList();
        foreach (var (client, expected) in new[] { (both, forBoth), (onlyA, forOnlyA) })
        {
            foreach (var id in expected)
            {
                Assert.That((await client.ReceiveAsync()).GetProperty("id").GetInt32(), Is.EqualTo(id));
            }

            await client.ExpectNothingAsync(TimeSpan.FromMilliseconds(100));
        }
    }

    [Test]
    public async Task PING_IDENTIFY_and_DISCONNECT_are_never_forwarded()
    {
        await using var watcher = await TestClient.IdentifiedAsync(_server, "watcher");
        await using var talker = await TestClient.IdentifiedAsync(_server, "talker", "service");
        await talker.SendAsync("""{"id":"p","op":3,"intent":{"target":"GLOBAL"}}""");
        await talker.ReceiveAsync();
        await talker.SendAsync("""{"id":"p","op":4,"intent":{"target":"GLOBAL"}}""");
        await watcher.ExpectNothingAsync();
    }

    [TestCase("GLOBAL", null, TestName = "Client role may not send GLOBAL")]
    [TestCase("GROUP", "not-mine", TestName = "Client role may not send to a group it is not in")]
    public async Task Client_role_gets_FORBIDDEN(string target, string? identifier)
    {
        await using var client = await TestClient.IdentifiedAsync(_server, "c", "client", "mine");
        await using var bystander = await TestClient.IdentifiedAsync(_server, "b", "service", "not-mine");
        await client.SendAsync(new { id = "f", op = 0, @event = "X", intent = new { target, identifier } });
        var error = await client.ReceiveAsync();
        Assert.That(error.GetProperty("data").GetProperty("error").GetProperty("code").GetString(), Is.EqualTo("FORBIDDEN"));
        await bystander.ExpectNothingAsync(TimeSpan.FromMilliseconds(100));
    }

    [Test]
    public async Task Service_role_may_send_to_any_group()
    {
        await using var service = await TestClient.IdentifiedAsync(_server, "s", "service");
        await using var member = await TestClient.IdentifiedAsync(_server, "m", "client", "anywhere");
        await service.SendAsync(new { id = "ok", op = 0, @event = "X", intent = new { target = "GROUP", identifier = "anywhere" } });
        Assert.That((await member.ReceiveAsync()).GetProperty("id").GetString(), Is.EqualTo("ok"));
    }

    [Test]
    public async Task Escaped_identifier_routes_like_its_value()
    {
        await using var service = await TestClient.IdentifiedAsync(_server, "s", "service");
        await using var member = await TestClient.IdentifiedAsync(_server, "m", "client", "é-room");
        await service.SendAsync("""{"id":"esc","op":0,"event":"X","intent":{"target":"GROUP","identifier":"\u00e9-room"}}""");
        var delivered = await member.ReceiveAsync();
        Assert.That(delivered.GetProperty("intent").GetProperty("identifier").GetString(), Is.EqualTo("é-room"));
        Assert.That(delivered.TryGetProperty("data", out _), Is.False, "no data sent, none delivered");
    }
}
