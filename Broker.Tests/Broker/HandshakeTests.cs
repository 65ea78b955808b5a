using System.Net.WebSockets;
using MasterSocket.Tests.Broker.Support;

namespace MasterSocket.Tests.Broker;

/// <summary>PROTOCOL.md 1 (upgrade, path, subprotocol) and 8 (Origin, MaxConnections), over real sockets.</summary>
public sealed class HandshakeTests
{
    private BrokerServer _server = null!;

    [OneTimeSetUp]
    public async Task Start() => _server = await BrokerServer.StartAsync(new Dictionary<string, string?>
    {
        ["Broker:AllowedOrigins:0"] = "https://game.example",
    });

    [OneTimeTearDown]
    public async Task Stop() => await _server.DisposeAsync();

    [Test]
    public async Task Upgrade_on_ws_selects_the_mastersocket_subprotocol_when_offered()
    {
        await using var client = await TestClient.ConnectAsync(_server.WebSocketUri, "mastersocket.v1");
        Assert.That(client.Socket.SubProtocol, Is.EqualTo("mastersocket.v1"));
    }

    [Test]
    public async Task Upgrade_without_a_subprotocol_is_accepted_and_selects_none()
    {
        await using var client = await TestClient.ConnectAsync(_server.WebSocketUri, subprotocol: null);
        Assert.That(client.Socket.State, Is.EqualTo(WebSocketState.Open));
        Assert.That(client.Socket.SubProtocol, Is.Null);
    }

    [Test]
    public async Task Accept_header_follows_RFC_6455_and_deflate_offer_is_ignored()
    {
        using var raw = await RawClient.ConnectAsync(_server.EndPoint);
        var response = await raw.RequestAsync(RawClient.UpgradeRequest(extraHeaders: "Sec-WebSocket-Extensions: permessage-deflate\r\n"));
        Assert.That(response.Status, Is.EqualTo(101));
        Assert.That(response.Headers["sec-websocket-accept"], Is.EqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        Assert.That(response.Headers.ContainsKey("sec-websocket-extensions"), Is.False);
        Assert.That(response.Headers.ContainsKey("sec-websocket-protocol"), Is.False);
    }

    [TestCase("/", 404)]
    [TestCase("/socket", 404)]
    [TestCase("/ws/extra", 404)]
    public async Task Other_paths_get_404(string path, int status)
    {
        using var raw = await RawClient.ConnectAsync(_server.EndPoint);
        var response = await raw.RequestAsync(RawClient.UpgradeRequest(path));
        Assert.That(response.Status, Is.EqualTo(status));
        Assert.That(await raw.WaitForEndOfStreamAsync(), Is.True, "a refused upgrade closes the connection");
    }

    [Test]
    public async Task Plain_http_request_gets_426_upgrade_required()
    {
        using var raw = await RawClient.ConnectAsync(_server.EndPoint);
        var response = await raw.RequestAsync("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        Assert.That(response.Status, Is.EqualTo(426));
        Assert.That(response.Headers["upgrade"], Is.EqualTo("websocket"));
    }

    [Test]
    public async Task Unsupported_websocket_version_gets_426_naming_13()
    {
        using var raw = await RawClient.ConnectAsync(_server.EndPoint);
        var response = await raw.RequestAsync(RawClient.UpgradeRequest(version: "8"));
        Assert.That(response.Status, Is.EqualTo(426));
        Assert.That(response.Headers["sec-websocket-version"], Is.EqualTo("13"));
    }

    [TestCase("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n", TestName = "Key that is not 16 bytes of base64 gets 400")]
    [TestCase("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", TestName = "Missing key gets 400")]
    [TestCase("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", TestName = "Missing Host gets 400")]
    [TestCase("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", TestName = "Connection without Upgrade gets 400")]
    [TestCase("POST /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", TestName = "Upgrade with POST gets 400")]
    [TestCase("GET /ws HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", TestName = "Upgrade over HTTP 1.0 gets 400")]
    [TestCase("GARBAGE\r\n\r\n", TestName = "Malformed request line gets 400")]
    public async Task Invalid_upgrade_gets_400(string request)
    {
        using var raw = await RawClient.ConnectAsync(_server.EndPoint);
        var response = await raw.RequestAsync(request);
        Assert.That(response.Status, Is.EqualTo(400));
        await AssertBrokerStillServesAsync();
    }

    [Test]
    public async Task Request_head_beyond_the_bound_gets_431()
    {
        using var raw = await RawClient.ConnectAsync(_server.EndPoint);
        var response = await raw.RequestAsync(RawClient.UpgradeRequest(extraHeaders: $"X-Padding: {new string('a', 9000)}\r\n"));
        Assert.That(response.Status, Is.EqualTo(431));
        await AssertBrokerStillServesAsync();
    }

    [Test]
    public async Task Origin_not_in_AllowedOrigins_gets_403()
    {
        using var raw = await RawClient.ConnectAsync(_server.EndPoint);
        var response = await raw.RequestAsync(RawClient.UpgradeRequest(extraHeaders: "Origin: https://evil.example\r\n"));
        Assert.That(response.Status, Is.EqualTo(403));
    }

    [Test]
    public async Task Origin_in_AllowedOrigins_is_accepted_and_no_Origin_means_not_a_browser()
    {
        using var listed = await RawClient.ConnectAsync(_server.EndPoint);
        Assert.That((await listed.RequestAsync(RawClient.UpgradeRequest(extraHeaders: "Origin: https://game.example\r\n"))).Status, Is.EqualTo(101));
        using var service = await RawClient.ConnectAsync(_server.EndPoint);
        Assert.That((await service.RequestAsync(RawClient.UpgradeRequest())).Status, Is.EqualTo(101));
    }

    [Test]
    public async Task Handshake_split_into_single_bytes_still_upgrades()
    {
        using var raw = await RawClient.ConnectAsync(_server.EndPoint);
        foreach (var b in System.Text.Encoding.ASCII.GetBytes(RawClient.UpgradeRequest()))
        {
            await raw.SendAsync(new[] { b });
        }

        Assert.That((await raw.ReadHttpResponseAsync()).Status, Is.EqualTo(101));
    }

    [Test]
    public async Task First_frame_sent_right_behind_the_request_is_not_lost()
    {
        using var raw = await RawClient.ConnectAsync(_server.EndPoint);
        var frame = new System.Buffers.ArrayBufferWriter<byte>();
        MasterSocket.Protocol.WebSockets.FrameWriter.WriteMasked(frame, MasterSocket.Protocol.WebSockets.FrameOpcode.Text, """{"id":"p","op":3}"""u8, 0x01020304);
        byte[] both = [.. System.Text.Encoding.ASCII.GetBytes(RawClient.UpgradeRequest()), .. frame.WrittenSpan];
        await raw.SendAsync(both);
        Assert.That((await raw.ReadHttpResponseAsync()).Status, Is.EqualTo(101));
        var pong = await raw.ReadMessageAsync();
        Assert.That(pong.GetProperty("op").GetInt32(), Is.EqualTo(4));
    }

    private async Task AssertBrokerStillServesAsync()
    {
        await using var client = await TestClient.ConnectAsync(_server.WebSocketUri);
        await client.SendAsync("""{"id":"alive","op":3}""");
        Assert.That((await client.ReceiveAsync()).GetProperty("op").GetInt32(), Is.EqualTo(4));
    }
}

/// <summary>PROTOCOL.md 8: Limits:MaxConnections.</summary>
public sealed class ConnectionLimitTests
{
    [Test]
    public async Task Upgrades_beyond_MaxConnections_get_503_and_a_freed_slot_is_reusable()
    {
        await using var server = await BrokerServer.StartAsync(new Dictionary<string, string?> { ["Broker:Limits:MaxConnections"] = "2" });
        var first = await TestClient.ConnectAsync(server.WebSocketUri);
        await using var second = await TestClient.ConnectAsync(server.WebSocketUri);

        using (var third = await RawClient.ConnectAsync(server.EndPoint))
        {
            Assert.That((await third.RequestAsync(RawClient.UpgradeRequest())).Status, Is.EqualTo(503));
        }

        await first.DisposeAsync();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (server.Runtime.Connections.WebSocketCount > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await using var again = await TestClient.ConnectAsync(server.WebSocketUri);
        Assert.That(again.Socket.State, Is.EqualTo(WebSocketState.Open));
    }
}
