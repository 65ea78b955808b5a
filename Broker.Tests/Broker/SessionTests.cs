using System.Net.WebSockets;
using System.Text.Json;
using MasterSocket.Tests.Broker.Support;

namespace MasterSocket.Tests.Broker;

/// <summary>PROTOCOL.md 3 and 5: IDENTIFY, the states before and after it, and the end of a session.</summary>
public sealed class SessionTests
{
    private BrokerServer _server = null!;

    [OneTimeSetUp]
    public async Task Start() => _server = await BrokerServer.StartAsync(new Dictionary<string, string?>
    {
        ["Broker:NodeId"] = "node-test",
        ["Broker:Session:IdentifyTimeout"] = "00:00:00.400",
        ["Broker:Session:HeartbeatInterval"] = "00:00:05",
        ["Broker:Session:HeartbeatTimeout"] = "00:00:10",
    });

    [OneTimeTearDown]
    public async Task Stop() => await _server.DisposeAsync();

    [Test]
    public async Task Identify_reply_carries_clientId_name_groups_heartbeatInterval_and_node()
    {
        await using var client = await TestClient.ConnectAsync(_server.WebSocketUri);
        await client.SendAsync(new { id = "hello", op = 1, data = new { name = "damon-1", groups = new[] { "damon", "lobby" } } });
        var reply = await client.ReceiveAsync();
        Assert.That(reply.GetProperty("op").GetInt32(), Is.EqualTo(5));
        Assert.That(reply.GetProperty("id").GetString(), Is.EqualTo("hello"));
        Assert.That(reply.GetProperty("from").GetString(), Is.EqualTo("broker"));
        var data = reply.GetProperty("data");
        Assert.That(Guid.TryParse(data.GetProperty("clientId").GetString(), out _), Is.True);
        Assert.That(data.GetProperty("name").GetString(), Is.EqualTo("damon-1"));
        Assert.That(data.GetProperty("groups").EnumerateArray().Select(g => g.GetString()), Is.EqualTo(new[] { "damon", "lobby" }));
        Assert.That(data.GetProperty("heartbeatInterval").GetInt32(), Is.EqualTo(5000));
        Assert.That(data.GetProperty("node").GetString(), Is.EqualTo("node-test"));
    }

    [Test]
    public async Task Client_ids_are_unique_per_connection()
    {
        await using var a = await TestClient.IdentifiedAsync(_server, "same");
        await using var b = await TestClient.IdentifiedAsync(_server, "same");
        Assert.That(a.ClientId, Is.Not.EqualTo(b.ClientId));
    }

    [TestCase("""{"id":"e","op":0,"event":"X"}""", TestName = "EVENT before IDENTIFY gets NOT_IDENTIFIED")]
    [TestCase("""{"id":"e","op":5,"intent":{"target":"DIRECT","identifier":"x"}}""", TestName = "REPLY before IDENTIFY gets NOT_IDENTIFIED")]
    [TestCase("""{"id":"e","op":4}""", TestName = "PONG before IDENTIFY gets NOT_IDENTIFIED")]
    [TestCase("""{"id":"e","op":2}""", TestName = "DISCONNECT before IDENTIFY gets NOT_IDENTIFIED")]
    public async Task Only_IDENTIFY_and_PING_are_accepted_before_IDENTIFY(string json)
    {
        await using var client = await TestClient.ConnectAsync(_server.WebSocketUri);
        await client.SendAsync(json);
        var error = await client.ReceiveAsync();
        Assert.That(error.GetProperty("id").GetString(), Is.EqualTo("e"));
        Assert.That(error.GetProperty("data").GetProperty("error").GetProperty("code").GetString(), Is.EqualTo("NOT_IDENTIFIED"));

        // Not fatal: PING works and IDENTIFY still succeeds.
        await client.SendAsync("""{"id":"p","op":3}""");
        var pong = await client.ReceiveAsync();
        Assert.That((pong.GetProperty("op").GetInt32(), pong.GetProperty("id").GetString()), Is.EqualTo((4, "p")));
        await client.IdentifyAsync(new { name = "late" });
    }

    [Test]
    public async Task Second_IDENTIFY_gets_ALREADY_IDENTIFIED_and_keeps_the_session()
    {
        await using var client = await TestClient.IdentifiedAsync(_server, "once");
        var firstId = client.ClientId;
        await client.SendAsync(new { id = "again", op = 1, data = new { name = "twice" } });
        var error = await client.ReceiveAsync();
        Assert.That(error.GetProperty("id").GetString(), Is.EqualTo("again"));
        Assert.That(error.GetProperty("data").GetProperty("error").GetProperty("code").GetString(), Is.EqualTo("ALREADY_IDENTIFIED"));
        Assert.That(client.ClientId, Is.EqualTo(firstId));
    }

    [Test]
    public async Task Identify_data_of_the_wrong_shape_gets_BAD_REQUEST()
    {
        await using var client = await TestClient.ConnectAsync(_server.WebSocketUri);
        await client.SendAsync("""{"id":"i","op":1,"data":{"groups":"damon"}}""");
        var error = await client.ReceiveAsync();
        Assert.That(error.GetProperty("data").GetProperty("error").GetProperty("code").GetString(), Is.EqualTo("BAD_REQUEST"));
        Assert.That(error.GetProperty("data").GetProperty("error").GetProperty("message").GetString(), Does.Contain("groups"));
    }

    [Test]
    public async Task No_IDENTIFY_in_time_gets_DISCONNECT_IDENTIFY_TIMEOUT_and_close_4002()
    {
        await using var client = await TestClient.ConnectAsync(_server.WebSocketUri);
        var disconnect = await client.ReceiveAsync(TimeSpan.FromSeconds(3));
        Assert.That(disconnect.GetProperty("op").GetInt32(), Is.EqualTo(2));
        Assert.That(disconnect.GetProperty("from").GetString(), Is.EqualTo("broker"));
        var data = disconnect.GetProperty("data");
        Assert.That(data.GetProperty("code").GetString(), Is.EqualTo("IDENTIFY_TIMEOUT"));
        Assert.That(data.GetProperty("reconnect").GetBoolean(), Is.True);
        Assert.That(data.GetProperty("reason").GetString(), Is.Not.Empty);
        Assert.That((int?)await client.WaitForCloseAsync(), Is.EqualTo(4002));
    }

    [Test]
    public async Task Client_DISCONNECT_closes_with_1000_and_its_id_becomes_unknown()
    {
        await using var leaving = await TestClient.IdentifiedAsync(_server, "leaving", "client", "g1");
        await using var staying = await TestClient.IdentifiedAsync(_server, "staying", "service");
        await leaving.SendAsync("""{"id":"bye","op":2}""");
        Assert.That(await leaving.WaitForCloseAsync(), Is.EqualTo(WebSocketCloseStatus.NormalClosure));
        Assert.That(leaving.Drain(), Is.Empty, "DISCONNECT from a client gets no answer");

        await AssertGoneAsync(staying, leaving.ClientId);
    }

    [Test]
    public async Task Closed_socket_leaves_the_registry_and_its_groups()
    {
        var gone = await TestClient.IdentifiedAsync(_server, "gone", "client", "g2");
        await using var staying = await TestClient.IdentifiedAsync(_server, "staying", "service");
        gone.Socket.Abort();
        await gone.DisposeAsync();
        await AssertGoneAsync(staying, gone.ClientId);
    }

    private static async Task AssertGoneAsync(TestClient asker, string clientId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            await asker.SendAsync(new { id = "where", op = 0, @event = "X", intent = new { target = "DIRECT", identifier = clientId } });
            var answer = await asker.ReceiveAsync();
            if (answer.GetProperty("data").TryGetProperty("error", out var error))
            {
                Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("NOT_FOUND"));
                return;
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the client id was still reachable after it left");
            await Task.Delay(20);
        }
    }
}
