using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace MasterSocket.Tests.Broker.Support;

/// <summary>
/// A well-behaved client on .NET's ClientWebSocket. A background loop reads every message into a
/// channel, so a test can wait for the next message, or for nothing, without cancelling a receive
/// (which would abort a ClientWebSocket).
/// </summary>
public sealed class TestClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly Channel<string> _messages = Channel.CreateUnbounded<string>();
    private readonly Task _reader;

    private TestClient(ClientWebSocket socket)
    {
        Socket = socket;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>
    /// The client's socket, for sending, state checks and aborts. Receiving belongs to the
    /// background reader: <c>ReceiveAsync</c> or <c>CloseAsync</c> (which receives the peer's close
    /// frame) on it would race the reader for frames. A test that receives or closes by itself
    /// uses <see cref="ConnectSocketAsync"/>.
    /// </summary>
    public ClientWebSocket Socket { get; }

    /// <summary>Set by <see cref="IdentifyAsync"/>.</summary>
    public string ClientId { get; private set; } = "";

    /// <summary>The close status the broker sent, once the connection is closed.</summary>
    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public static async Task<TestClient> ConnectAsync(Uri uri, string? subprotocol = "mastersocket.v1") =>
        new(await ConnectSocketAsync(uri, subprotocol));

    /// <summary>
    /// A connected ClientWebSocket with no background reader, for a test that receives (or closes)
    /// itself: a ClientWebSocket allows one receive at a time, and <c>CloseAsync</c> receives the
    /// peer's close frame, so it must not race the reader of a <see cref="TestClient"/>.
    /// </summary>
    public static async Task<ClientWebSocket> ConnectSocketAsync(Uri uri, string? subprotocol = "mastersocket.v1")
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero; // only the broker's heartbeats, none of the client's own
        if (subprotocol is not null)
        {
            socket.Options.AddSubProtocol(subprotocol);
        }

        using var timeout = new CancellationTokenSource(DefaultTimeout);
        await socket.ConnectAsync(uri, timeout.Token);
        return socket;
    }

    /// <summary>Connects and identifies; returns the client.</summary>
    public static async Task<TestClient> IdentifiedAsync(BrokerServer server, string name, string role = "client", params string[] groups)
    {
        var client = await ConnectAsync(server.WebSocketUri);
        await client.IdentifyAsync(new { name, role, groups });
        return client;
    }

    public Task SendAsync(string json) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public Task SendAsync(object envelope) => SendAsync(JsonSerializer.Serialize(envelope));

    /// <summary>Sends IDENTIFY with <paramref name="data"/> and returns the reply's data.</summary>
    public async Task<JsonElement> IdentifyAsync(object data)
    {
        await SendAsync(new { id = "identify", op = 1, data });
        var reply = await ReceiveAsync();
        Assert.That(reply.GetProperty("op").GetInt32(), Is.EqualTo(5), $"IDENTIFY was not answered with a REPLY: {reply}");
        var replyData = reply.GetProperty("data");
        Assert.That(replyData.TryGetProperty("clientId", out var clientId), Is.True, $"IDENTIFY failed: {reply}");
        ClientId = clientId.GetString()!;
        return replyData;
    }

    /// <summary>The next message, skipping the broker's heartbeat PINGs unless asked for.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null, bool skipPings = true)
    {
        while (true)
        {
            var text = await ReceiveTextAsync(timeout);
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement.Clone();
            if (skipPings && root.GetProperty("op").GetInt32() == 3 && root.GetProperty("from").GetString() == "broker")
            {
                continue;
            }

            return root;
        }
    }

    /// <summary>The next message exactly as it arrived.</summary>
    public async Task<string> ReceiveTextAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await _messages.Reader.ReadAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no message within {(timeout ?? DefaultTimeout).TotalMilliseconds} ms");
            throw;
        }
        catch (ChannelClosedException)
        {
            Assert.Fail($"the connection closed ({CloseStatus}) instead of delivering a message");
            throw;
        }
    }

    /// <summary>Asserts that no message (other than heartbeat PINGs) arrives within <paramref name="window"/>.</summary>
    public async Task ExpectNothingAsync(TimeSpan? window = null)
    {
        using var cancel = new CancellationTokenSource(window ?? TimeSpan.FromMilliseconds(300));
        try
        {
            while (true)
            {
                var text = await _messages.Reader.ReadAsync(cancel.Token);
                if (!text.Contains("\"op\":3", StringComparison.Ordinal))
                {
                    Assert.Fail($"expected nothing, got {text}");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ChannelClosedException)
        {
        }
    }

    /// <summary>Waits for the broker to close the connection; returns the close status it sent.</summary>
    public async Task<WebSocketCloseStatus?> WaitForCloseAsync(TimeSpan? timeout = null)
    {
        var finished = await Task.WhenAny(_reader, Task.Delay(timeout ?? DefaultTimeout));
        Assert.That(finished, Is.SameAs(_reader), "the broker did not close the connection");
        return CloseStatus;
    }

    /// <summary>Messages that arrived before the close, in order.</summary>
    public List<JsonElement> Drain()
    {
        var list = new List<JsonElement>();
        while (_messages.Reader.TryRead(out var text))
        {
            using var document = JsonDocument.Parse(text);
            list.Add(document.RootElement.Clone());
        }

        return list;
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await Socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = result.CloseStatus;
                    if (Socket.State == WebSocketState.CloseReceived)
                    {
                        await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    }

                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    await _messages.Writer.WriteAsync(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length));
                    message.SetLength(0);
                }
            }
        }
        catch (WebSocketException)
        {
            // The broker dropped TCP; CloseStatus stays null.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            _messages.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                await Task.WhenAny(_reader, Task.Delay(2000));
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }

        Socket.Abort();
        Socket.Dispose();
        await Task.WhenAny(_reader, Task.Delay(1000));
    }
}
