using System.Text.Json;
using MasterSocket.Tests.Broker.Support;

namespace MasterSocket.Tests.Broker;

/// <summary>PROTOCOL.md 2 and 5: every malformed envelope gets its exact error, and loses nothing else.</summary>
public sealed class EnvelopeTests
{
    private BrokerServer _server = null!;
    private TestClient _sender = null!;
    private TestClient _receiver = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _server = await BrokerServer.StartAsync();
        _sender = await TestClient.IdentifiedAsync(_server, "sender", "service", "room");
        _receiver = await TestClient.IdentifiedAsync(_server, "receiver", "client", "room");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _sender.DisposeAsync();
        await _receiver.DisposeAsync();
        await _server.DisposeAsync();
    }

    [TestCase("{not json", "BAD_REQUEST", null, TestName = "Malformed JSON gets BAD_REQUEST with id null")]
    [TestCase("[1,2]", "BAD_REQUEST", null, TestName = "Array envelope gets BAD_REQUEST")]
    [TestCase("""{"id":"a1","event":"X"}""", "BAD_REQUEST", "a1", TestName = "Missing op gets BAD_REQUEST")]
    [TestCase("""{"id":"a2","op":"0","event":"X"}""", "BAD_REQUEST", "a2", TestName = "String op gets BAD_REQUEST")]
    [TestCase("""{"id":"a3","op":1.5}""", "BAD_REQUEST", "a3", TestName = "Fractional op gets BAD_REQUEST")]
    [TestCase("""{"id":"a4","op":6}""", "UNKNOWN_OP", "a4", TestName = "Op 6 gets UNKNOWN_OP")]
    [TestCase("""{"id":"a5","op":-1}""", "UNKNOWN_OP", "a5", TestName = "Op -1 gets UNKNOWN_OP")]
    [TestCase("""{"id":"a6","op":0}""", "BAD_REQUEST", "a6", TestName = "EVENT without event gets BAD_REQUEST")]
    [TestCase("""{"id":"a7","op":0,"event":""}""", "BAD_REQUEST", "a7", TestName = "Empty event gets BAD_REQUEST")]
    [TestCase("""{"id":"a8","op":0,"event":"X","intent":{"target":"group","identifier":"room"}}""", "BAD_REQUEST", "a8", TestName = "Lower-case target gets BAD_REQUEST")]
    [TestCase("""{"id":"a9","op":0,"event":"X","intent":{"target":"DIRECT"}}""", "BAD_REQUEST", "a9", TestName = "DIRECT without identifier gets BAD_REQUEST")]
    [TestCase("""{"id":"b1","op":0,"event":"X","intent":"GLOBAL"}""", "BAD_REQUEST", "b1", TestName = "Intent that is not an object gets BAD_REQUEST")]
    [TestCase("""{"id":{"x":1},"op":3}""", "BAD_REQUEST", null, TestName = "Object id gets BAD_REQUEST with id null")]
    [TestCase("""{"id":"a","op":0,"event":"X"} trailing""", "BAD_REQUEST", null, TestName = "Trailing bytes after the envelope get BAD_REQUEST")]
    public async Task Bad_envelope_gets_its_error_and_the_connection_stays_open(string json, string code, string? id)
    {
        await _sender.SendAsync(json);
        var reply = await _sender.ReceiveAsync();
        Assert.That(reply.GetProperty("op").GetInt32(), Is.EqualTo(5));
        Assert.That(reply.GetProperty("from").GetString(), Is.EqualTo("broker"));
        Assert.That(reply.GetProperty("id").ValueKind == JsonValueKind.Null ? null : reply.GetProperty("id").GetString(), Is.EqualTo(id));
        var error = reply.GetProperty("data").GetProperty("error");
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo(code));
        Assert.That(error.GetProperty("message").GetString(), Is.Not.Empty);

        // Nothing was routed, and the sender can go on.
        await _receiver.ExpectNothingAsync(TimeSpan.FromMilliseconds(100));
        await _sender.SendAsync("""{"id":"after","op":0,"event":"OK","intent":{"target":"GROUP","identifier":"room"}}""");
        Assert.That((await _receiver.ReceiveAsync()).GetProperty("id").GetString(), Is.EqualTo("after"));
    }

    [Test]
    public async Task Numeric_id_is_echoed_as_a_number()
    {
        await _sender.SendAsync("""{"id":42,"op":3}""");
        var pong = await _sender.ReceiveAsync();
        Assert.That(pong.GetProperty("id").GetInt32(), Is.EqualTo(42));
        Assert.That(pong.GetProperty("op").GetInt32(), Is.EqualTo(4));
    }

    [Test]
    public async Task Delivered_envelope_keeps_the_senders_bytes_and_stamps_from()
    {
        const string data = """{"n":1.50,"s":"\u00e9\n","deep":[[{"k":null}],true,-0.0e+1]}""";
        await _sender.SendAsync($$$"""{"from":"forged","id":"d1","op":0,"unknown":{"x":[1]},"event":"CHAT","data":{{{data}}},"intent":{"target":"GROUP","identifier":"room","extra":1}}""");
        var raw = await _receiver.ReceiveTextAsync();
        Assert.That(raw, Does.Contain($"\"data\":{data}"), "data is forwarded byte for byte, never re-serialised");
        using var document = JsonDocument.Parse(raw);
        var root = document.RootElement;
        Assert.That(root.GetProperty("from").GetString(), Is.EqualTo(_sender.ClientId));
        Assert.That(root.GetProperty("id").GetString(), Is.EqualTo("d1"));
        Assert.That(root.GetProperty("op").GetInt32(), Is.EqualTo(0));
        Assert.That(root.GetProperty("event").GetString(), Is.EqualTo("CHAT"));
        Assert.That(root.GetProperty("intent").GetProperty("target").GetString(), Is.EqualTo("GROUP"));
        Assert.That(root.GetProperty("intent").GetProperty("identifier").GetString(), Is.EqualTo("room"));
        Assert.That(root.TryGetProperty("unknown", out _), Is.False);
    }

    [Test]
    public async Task Event_without_intent_means_GLOBAL()
    {
        await _sender.SendAsync("""{"id":"g","op":0,"event":"ALL"}""");
        var delivered = await _receiver.ReceiveAsync();
        Assert.That(delivered.GetProperty("intent").GetProperty("target").GetString(), Is.EqualTo("GLOBAL"));
    }
}
