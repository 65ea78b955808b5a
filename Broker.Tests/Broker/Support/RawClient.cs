using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Tests.Broker.Support;

/// <summary>
/// A client on a bare socket, for what ClientWebSocket will not send: malformed handshakes, unmasked
/// or reserved frames, bad UTF-8, a client that stops reading. Frames it sends are built with the
/// protocol's own masked writer; frames it reads are parsed by hand, independently of the broker's reader.
/// </summary>
public sealed class RawClient : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawClient(Socket socket) => _socket = socket;

    public Socket Socket => _socket;

    public static async Task<RawClient> ConnectAsync(IPEndPoint endPoint, IPAddress? source = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (source is not null)
        {
            socket.Bind(new IPEndPoint(source, 0));
        }

        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, endPoint.Port));
        return new RawClient(socket);
    }

    /// <summary>Connects and completes a valid upgrade.</summary>
    public static async Task<RawClient> UpgradedAsync(IPEndPoint endPoint)
    {
        var client = await ConnectAsync(endPoint);
        var response = await client.RequestAsync(UpgradeRequest());
        Assert.That(response.Status, Is.EqualTo(101), response.Head);
        return client;
    }

    /// <summary>Connects, upgrades and identifies (no-auth mode: name, role and groups as given); the reply is read.</summary>
    public static async Task<RawClient> IdentifiedAsync(IPEndPoint endPoint, string name, string role = "client", params string[] groups)
    {
        var client = await UpgradedAsync(endPoint);
        await client.SendTextAsync(JsonSerializer.Serialize(new { id = "i", op = 1, data = new { name, role, groups } }));
        var reply = await client.ReadMessageAsync();
        Assert.That(reply.GetProperty("op").GetInt32(), Is.EqualTo(5), $"IDENTIFY is answered with a REPLY: {reply}");
        Assert.That(reply.GetProperty("data").TryGetProperty("clientId", out var clientId), Is.True, $"IDENTIFY failed: {reply}");
        client.ClientId = clientId.GetString()!;
        return client;
    }

    /// <summary>The clientId the broker assigned, once <see cref="IdentifiedAsync"/> has identified this client.</summary>
    public string ClientId { get; private set; } = "";

    public static string UpgradeRequest(string path = "/ws", string? extraHeaders = null, string key = "dGhlIHNhbXBsZSBub25jZQ==", string version = "13") =>
        $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: {version}\r\n{extraHeaders}\r\n";

    public Task SendAsync(ReadOnlyMemory<byte> bytes) => _socket.SendAsync(bytes).AsTask();

    public Task SendAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>Sends an HTTP request and reads the response head and body.</summary>
    public async Task<HttpResponse> RequestAsync(string request)
    {
        await SendAsync(request);
        return await ReadHttpResponseAsync();
    }

    public async Task<HttpResponse> ReadHttpResponseAsync()
    {
        int end;
        while ((end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (!await FillAsync())
            {
                Assert.Fail("the connection closed before an HTTP response arrived");
            }
        }

        var head = Encoding.ASCII.GetString(_buffer, _start, end);
        _start += end + 4;
        var lines = head.Split("\r\n");
        var headers = lines.Skip(1)
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        var body = "";
        if (headers.TryGetValue("content-length", out var lengthText))
        {
            var length = int.Parse(lengthText, System.Globalization.CultureInfo.InvariantCulture);
            while (_end - _start < length)
            {
                if (!await FillAsync())
                {
                    break;
                }
            }

            body = Encoding.UTF8.GetString(_buffer, _start, Math.Min(length, _end - _start));
            _start += Math.Min(length, _end - _start);
        }

        return new HttpResponse(int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), head, headers, body);
    }

    /// <summary>Sends one masked client frame, as a compliant client would.</summary>
    public Task SendFrameAsync(FrameOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true)
    {
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteMasked(output, opcode, payload, maskKey: 0x5A3C9E71, fin);
        return SendAsync(output.WrittenMemory);
    }

    public Task SendTextAsync(string json) => SendFrameAsync(FrameOpcode.Text, Encoding.UTF8.GetBytes(json));

    /// <summary>Reads one server frame: (FIN, opcode, payload). Asserts the server did not mask it.</summary>
    public async Task<(bool Fin, FrameOpcode Opcode, byte[] Payload)> ReadFrameAsync()
    {
        while (true)
        {
            var available = _end - _start;
            if (available >= 2)
            {
                var b0 = _buffer[_start];
                var b1 = _buffer[_start + 1];
                Assert.That(b1 & 0x80, Is.Zero, "server frames must not be masked");
                var length = (long)(b1 & 0x7F);
                var header = 2;
                if (length == 126 && available >= 4)
                {
                    length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(_start + 2));
                    header = 4;
                }
                else if (length == 127 && available >= 10)
                {
                    length = (long)BinaryPrimitives.ReadUInt64BigEndian(_buffer.AsSpan(_start + 2));
                    header = 10;
                }

                if (length < 126 || header > 2)
                {
                    if (available >= header + length)
                    {
                        var payload = _buffer.AsSpan(_start + header, (int)length).ToArray();
                        _start += header + (int)length;
                        return ((b0 & 0x80) != 0, (FrameOpcode)(b0 & 0x0F), payload);
                    }
                }
            }

            if (!await FillAsync())
            {
                throw new EndOfStreamException("the connection closed before a whole frame arrived");
            }
        }
    }

    /// <summary>Reads frames until a close frame; returns its status code and the text messages before it.</summary>
    public async Task<(ushort Code, List<JsonElement> Before)> ReadUntilCloseAsync()
    {
        var before = new List<JsonElement>();
        while (true)
        {
            var (_, opcode, payload) = await ReadFrameAsync();
            if (opcode == FrameOpcode.Close)
            {
                return (payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : (ushort)1005, before);
            }

            if (opcode == FrameOpcode.Text)
            {
                using var document = JsonDocument.Parse(payload);
                before.Add(document.RootElement.Clone());
            }
        }
    }

    /// <summary>Reads the next text message as JSON, skipping control frames and the broker's PINGs.</summary>
    public async Task<JsonElement> ReadMessageAsync()
    {
        while (true)
        {
            var (_, opcode, payload) = await ReadFrameAsync();
            if (opcode != FrameOpcode.Text)
            {
                continue;
            }

            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement.Clone();
            if (root.GetProperty("op").GetInt32() != 3)
            {
                return root;
            }
        }
    }

    /// <summary>True when the broker closes TCP (EOF or reset) within the timeout.</summary>
    public async Task<bool> WaitForEndOfStreamAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? Timeout);
        try
        {
            var scratch = new byte[4096];
            while (await _socket.ReceiveAsync(scratch, SocketFlags.None, cancel.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<bool> FillAsync()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        using var cancel = new CancellationTokenSource(Timeout);
        int received;
        try
        {
            received = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancel.Token);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("nothing arrived from the broker in time");
            throw;
        }

        _end += received;
        return received > 0;
    }

    public void Dispose() => _socket.Dispose();
}

public sealed record HttpResponse(int Status, string Head, IReadOnlyDictionary<string, string> Headers, string Body);
