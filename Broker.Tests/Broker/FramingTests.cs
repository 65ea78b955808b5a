using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using MasterSocket.Protocol.WebSockets;
using MasterSocket.Tests.Broker.Support;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// PROTOCOL.md 1: framing faults close with the contract's code and no DISCONNECT envelope, and a
/// bystander on the same broker keeps working; fragmentation, pings and the close handshake work.
/// </summary>
public sealed class FramingTests
{
    private BrokerServer _server = null!;
    private TestClient _bystander = null!;
    private TestClient _service = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _server = await BrokerServer.StartAsync(new Dictionary<string, string?> { ["Broker:Limits:MaxMessageBytes"] = "4096" });
        _bystander = await TestClient.IdentifiedAsync(_server, "bystander", "client", "lobby");
        _service = await TestClient.IdentifiedAsync(_server, "service", "service");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _bystander.DisposeAsync();
        await _service.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static IEnumerable<TestCaseData> Faults()
    {
        yield return new TestCaseData(new Func<RawClient, Task>(c => c.SendFrameAsync(FrameOpcode.Binary, [1, 2, 3])), 1003).SetName("Binary message closes with 1003");
        yield return new TestCaseData(new Func<RawClient, Task>(c => c.SendAsync(new byte[] { 0x81, 0x02, (byte)'h', (byte)'i' })), 1002).SetName("Unmasked client frame closes with 1002");
        yield return new TestCaseData(new Func<RawClient, Task>(c => c.SendAsync(new byte[] { 0xC1, 0x80, 1, 2, 3, 4 })), 1002).SetName("Reserved bit without extension closes with 1002");
        yield return new TestCaseData(new Func<RawClient, Task>(c => c.SendAsync(new byte[] { 0x83, 0x80, 1, 2, 3, 4 })), 1002).SetName("Reserved opcode closes with 1002");
        yield return new TestCaseData(new Func<RawClient, Task>(c => c.SendFrameAsync(FrameOpcode.Continuation, "x"u8.ToArray())), 1002).SetName("Continuation without a message closes with 1002");
        yield return new TestCaseData(new Func<RawClient, Task>(c => c.SendFrameAsync(FrameOpcode.Ping, new byte[126])), 1002).SetName("Control frame over 125 bytes closes with 1002");
        yield return new TestCaseData(new Func<RawClient, Task>(c => c.SendFrameAsync(FrameOpcode.Ping, "p"u8, fin: false)), 1002).SetName("Fragmented control frame closes with 1002");
        yield return new TestCaseData(new Func<RawClient, Task>(c => c.SendFrameAsync(FrameOpcode.Text, new byte[] { 0x7B, 0xC3, 0x28, 0x7D })), 1007).SetName("Invalid UTF-8 closes with 1007");
        yield return new TestCaseData(new Func<RawClient, Task>(async c =>
        {
            await c.SendFrameAsync(FrameOpcode.Text, new byte[] { (byte)'"', 0xE2, 0x82 }, fin: false);
            await c.SendFrameAsync(FrameOpcode.Continuation, new byte[] { (byte)'"' });
        }), 1007).SetName("UTF-8 sequence cut by the end of a fragmented message closes with 1007");
        yield return new TestCaseData(new Func<RawClient, Task>(c => c.SendFrameAsync(FrameOpcode.Close, [0x03])), 1002).SetName("Close frame with a 1-byte body closes with 1002");
        yield return new TestCaseData(new Func<RawClient, Task>(c => c.SendFrameAsync(FrameOpcode.Close, [0x03, 0xED])), 1002).SetName("Close frame with reserved code 1005 closes with 1002");
        yield return new TestCaseData(new Func<RawClient, Task>(c => c.SendFrameAsync(FrameOpcode.Close, [0x03, 0xE8, 0xFF])), 1007).SetName("Close reason that is not UTF-8 closes with 1007");
    }

    [TestCaseSource(nameof(Faults))]
    public async Task Framing_fault_closes_with_its_code_and_no_DISCONNECT(Func<RawClient, Task> send, int expectedCode)
    {
        using var raw = await RawClient.UpgradedAsync(_server.EndPoint);
        await send(raw);
        var (code, before) = await raw.ReadUntilCloseAsync();
        Assert.That(code, Is.EqualTo(expectedCode));
        Assert.That(before, Is.Empty, "framing faults close without a DISCONNECT envelope");
        Assert.That(await raw.WaitForEndOfStreamAsync(), Is.True, "the broker closes TCP after the close frame");
        await AssertBystanderUnaffectedAsync();
    }

    /// <summary>
    /// The broker reads whole text frames of a read from the buffer first and hands the rest to the
    /// general frame reader: what came before a bad frame in the same TCP write is answered, ASCII or
    /// not, and then the bad frame closes with its code.
    /// </summary>
    [Test]
    public async Task Messages_ahead_of_invalid_UTF8_in_the_same_write_are_answered_before_the_1007()
    {
        using var raw = await RawClient.UpgradedAsync(_server.EndPoint);
        string[] ids = ["a", "b", "ü-c"];
        var output = new ArrayBufferWriter<byte>();
        foreach (var id in ids)
        {
            FrameWriter.WriteMasked(output, FrameOpcode.Text, Encoding.UTF8.GetBytes($$"""{"id":"{{id}}","op":3}"""), maskKey: 0x5A3C9E71);
        }

        FrameWriter.WriteMasked(output, FrameOpcode.Text, [0x7B, 0xC3, 0x28, 0x7D], maskKey: 0x5A3C9E71);
        await raw.SendAsync(output.WrittenMemory);

        var (code, before) = await raw.ReadUntilCloseAsync();
        Assert.That(code, Is.EqualTo(1007));
        var pongs = before.Where(m => m.GetProperty("op").GetInt32() == 4).Select(m => m.GetProperty("id").GetString());
        Assert.That(pongs, Is.EqualTo(ids), "a PONG for each PING ahead of the bad frame, in order");
        await AssertBystanderUnaffectedAsync();
    }

    [Test]
    public async Task Message_over_the_limit_closes_with_1009_from_the_header_alone()
    {
        using var raw = await RawClient.UpgradedAsync(_server.EndPoint);

        // Only the header of a 5,000-byte text frame: the broker must decide without the payload.
        await raw.SendAsync(new byte[] { 0x81, 0xFE, 0x13, 0x88, 1, 2, 3, 4 });
        var (code, _) = await raw.ReadUntilCloseAsync();
        Assert.That(code, Is.EqualTo(1009));
        await AssertBystanderUnaffectedAsync();
    }

    [Test]
    public async Task Fragmented_message_crossing_the_limit_closes_with_1009()
    {
        using var raw = await RawClient.UpgradedAsync(_server.EndPoint);
        await raw.SendFrameAsync(FrameOpcode.Text, new byte[3000], fin: false);
        await raw.SendFrameAsync(FrameOpcode.Continuation, new byte[3000]);
        var (code, _) = await raw.ReadUntilCloseAsync();
        Assert.That(code, Is.EqualTo(1009));
    }

    [Test]
    public async Task Message_exactly_at_the_limit_is_accepted()
    {
        await using var client = await TestClient.ConnectAsync(_server.WebSocketUri);
        var prefix = """{"id":"big","op":3,"pad":" """;
        var json = prefix + new string('x', 4096 - prefix.Length - 2) + "\"}";
        Assert.That(Encoding.UTF8.GetByteCount(json), Is.EqualTo(4096));
        await client.SendAsync(json);
        Assert.That((await client.ReceiveAsync()).GetProperty("id").GetString(), Is.EqualTo("big"));
    }

    [Test]
    public async Task Fragmented_message_with_control_frames_between_fragments_is_delivered()
    {
        using var raw = await RawClient.UpgradedAsync(_server.EndPoint);
        var json = Encoding.UTF8.GetBytes("""{"id":"frag","op":3,"note":"café ☃"}""");
        var cut = Array.IndexOf(json, (byte)0xE2) + 1; // split inside a multi-byte code point
        await raw.SendFrameAsync(FrameOpcode.Text, json.AsSpan(0, 5), fin: false);
        await raw.SendFrameAsync(FrameOpcode.Ping, "between"u8);
        await raw.SendFrameAsync(FrameOpcode.Continuation, json.AsSpan(5, cut - 5), fin: false);
        await raw.SendFrameAsync(FrameOpcode.Pong, "unsolicited"u8);
        await raw.SendFrameAsync(FrameOpcode.Continuation, json.AsSpan(cut));

        var (_, opcode, payload) = await raw.ReadFrameAsync();
        Assert.That(opcode, Is.EqualTo(FrameOpcode.Pong));
        Assert.That(Encoding.ASCII.GetString(payload), Is.EqualTo("between"));
        var reply = await raw.ReadMessageAsync();
        Assert.That(reply.GetProperty("op").GetInt32(), Is.EqualTo(4));
        Assert.That(reply.GetProperty("id").GetString(), Is.EqualTo("frag"));
    }

    [Test]
    public async Task WebSocket_ping_is_answered_with_a_pong_carrying_its_payload()
    {
        using var raw = await RawClient.UpgradedAsync(_server.EndPoint);
        await raw.SendFrameAsync(FrameOpcode.Ping, "hello"u8);
        var (fin, opcode, payload) = await raw.ReadFrameAsync();
        Assert.That((fin, opcode, Encoding.ASCII.GetString(payload)), Is.EqualTo((true, FrameOpcode.Pong, "hello")));
    }

    [TestCase(1000)]
    [TestCase(1001)]
    [TestCase(4321)]
    public async Task Client_close_is_echoed_with_its_code_and_TCP_closed(int code)
    {
        using var raw = await RawClient.UpgradedAsync(_server.EndPoint);
        await raw.SendFrameAsync(FrameOpcode.Close, [(byte)(code >> 8), (byte)code, (byte)'b', (byte)'y', (byte)'e']);
        var (echoed, _) = await raw.ReadUntilCloseAsync();
        Assert.That(echoed, Is.EqualTo(code));
        Assert.That(await raw.WaitForEndOfStreamAsync(), Is.True);
    }

    [Test]
    public async Task ClientWebSocket_close_handshake_completes_cleanly()
    {
        // A bare socket: CloseAsync receives the broker's close itself (a TestClient's background
        // reader would race it for that frame, and one of the two would see the TCP end instead).
        using var socket = await TestClient.ConnectSocketAsync(_server.WebSocketUri);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        Assert.That(socket.State, Is.EqualTo(WebSocketState.Closed));
        Assert.That(socket.CloseStatus, Is.EqualTo(WebSocketCloseStatus.NormalClosure));
    }

    private async Task AssertBystanderUnaffectedAsync()
    {
        await _service.SendAsync(new { id = "check", op = 0, @event = "STILL_HERE", intent = new { target = "GROUP", identifier = "lobby" } });
        var delivered = await _bystander.ReceiveAsync();
        Assert.That(delivered.GetProperty("event").GetString(), Is.EqualTo("STILL_HERE"));
    }
}
