using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Benchmarks.Load.Clients;

/// <summary>What a <see cref="WsConnection"/> hands up: whole messages, and its end.</summary>
public interface IWebSocketSink
{
    /// <summary>One complete text or binary message; the span is valid only during the call.</summary>
    void OnMessage(ReadOnlySpan<byte> message);

    /// <summary>The connection ended (called once); <paramref name="reason"/> says how.</summary>
    void OnClosed(string reason);
}

/// <summary>
/// A lean WebSocket client on a bare <see cref="Socket"/>, so the load tool stays cheap next to the
/// servers it measures: the HTTP upgrade by hand, masked frames written with
/// <see cref="FrameWriter.WriteMasked"/> into a reused buffer (many frames per send call), server
/// frames parsed with <see cref="FrameHeader.TryParse(ReadOnlySpan{byte}, out FrameHeader, out ProtocolFault?)"/>
/// straight from one reused receive buffer, one receive loop per connection. Nothing is allocated
/// per message in the steady state.
/// <para>Threads: <see cref="SendText"/> may be called from any thread (a lock orders frames); the
/// receive loop is the only caller of the sink.</para>
/// </summary>
public sealed class WsConnection : IDisposable
{
    /// <summary>Linux IP_BIND_ADDRESS_NO_PORT: bind the source address now, pick the port at connect time
    /// from the full 4-tuple, so each 127.0.0.x source has its own ~28k ephemeral ports per server.</summary>
    private const int IpBindAddressNoPort = 24;

    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    private readonly Socket _socket;
    private readonly Lock _sendSync = new();
    private IWebSocketSink? _sink;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private byte[]? _fragments;
    private int _fragmentLength;
    private ArrayBufferWriter<byte> _fill = new(1024);
    private ArrayBufferWriter<byte> _spare = new(1024);
    private bool _flushing;
    private uint _maskState;
    private int _closed;

    private WsConnection(Socket socket, int receiveBufferSize)
    {
        _socket = socket;
        _buffer = new byte[receiveBufferSize];
        _maskState = (uint)Random.Shared.Next(1, int.MaxValue);
    }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>
    /// <see cref="Stopwatch.GetTimestamp"/> when the read whose frames are being handed up returned:
    /// the arrival time of every message in it. One clock read per read rather than per message
    /// (at a million deliveries a second the per-message reads were 8 % of the tool's CPU), and
    /// no parse time of earlier messages in the same read added to the later ones' latency.
    /// Valid during <see cref="IWebSocketSink.OnMessage"/>.
    /// </summary>
    public long ReceivedAt { get; private set; }

    /// <summary>Connects (from <paramref name="source"/> if given) and completes the upgrade; call <see cref="Start"/> next.</summary>
    public static async Task<WsConnection> ConnectAsync(WsEndpoint endpoint, IPAddress? source, int receiveBufferSize, string? subprotocol, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new WsConnection(socket, receiveBufferSize);
        try
        {
            if (source is not null && !source.Equals(IPAddress.Loopback))
            {
                socket.SetRawSocketOption((int)SocketOptionLevel.IP, IpBindAddressNoPort, BitConverter.GetBytes(1));
                socket.Bind(new IPEndPoint(source, 0));
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(HandshakeTimeout);
            await socket.ConnectAsync(endpoint.EndPoint, timeout.Token);
            await connection.UpgradeAsync(endpoint, subprotocol, timeout.Token);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Starts the receive loop; frames that came with the upgrade response are handled first.</summary>
    public void Start(IWebSocketSink sink)
    {
        _sink = sink;
        ReceivedAt = Stopwatch.GetTimestamp(); // for frames that came with the upgrade response
        _ = ReceiveLoopAsync();
    }

    /// <summary>Queues one masked text frame; sends it now unless <paramref name="flush"/> is false (then call <see cref="Flush"/>).</summary>
    public void SendText(ReadOnlySpan<byte> payload, bool flush = true) => Send(FrameOpcode.Text, payload, flush);

    /// <summary>Sends whatever <see cref="SendText"/> queued with flush: false.</summary>
    public void Flush()
    {
        lock (_sendSync)
        {
            if (_flushing || _fill.WrittenCount == 0)
            {
                return;
            }

            _flushing = true;
        }

        _ = FlushLoopAsync();
    }

    /// <summary>Closes the socket; the receive loop then ends without reporting (the close was ours).</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _closed, 1);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // already reset or closed
        }

        _socket.Dispose();
    }

    private void Send(FrameOpcode opcode, ReadOnlySpan<byte> payload, bool flush)
    {
        lock (_sendSync)
        {
            if (IsClosed)
            {
                return;
            }

            FrameWriter.WriteMasked(_fill, opcode, payload, NextMaskKey());
            if (!flush || _flushing)
            {
                return;
            }

            _flushing = true;
        }

        _ = FlushLoopAsync();
    }

    /// <summary>Sends the filled buffer while the next one fills; ends when nothing is left.</summary>
    private async Task FlushLoopAsync()
    {
        try
        {
            while (true)
            {
                ArrayBufferWriter<byte> sending;
                lock (_sendSync)
                {
                    if (_fill.WrittenCount == 0 || IsClosed)
                    {
                        _flushing = false;
                        return;
                    }

                    sending = _fill;
                    _fill = _spare;
                    _spare = sending;
                }

                var memory = sending.WrittenMemory;
                while (!memory.IsEmpty)
                {
                    var sent = await _socket.SendAsync(memory, SocketFlags.None);
                    memory = memory[sent..];
                }

                sending.ResetWrittenCount();
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            lock (_sendSync)
            {
                _flushing = false;
            }

            Close($"send failed: {ex.Message}");
        }
    }

    private uint NextMaskKey()
    {
        // xorshift32: cheap and never zero; RFC 6455 wants unpredictable keys from browsers, a
        // benchmark client only needs them to vary.
        var x = _maskState;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        _maskState = x;
        return x;
    }

    private async Task UpgradeAsync(WsEndpoint endpoint, string? subprotocol, CancellationToken cancellationToken)
    {
        var keyBytes = new byte[16];
        RandomNumberGenerator.Fill(keyBytes);
        var key = Convert.ToBase64String(keyBytes);
        var request = $"GET {endpoint.Path} HTTP/1.1\r\nHost: {endpoint.Host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                      $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n" +
                      (subprotocol is null ? "" : $"Sec-WebSocket-Protocol: {subprotocol}\r\n") + "\r\n";
        await _socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cancellationToken);

        int headEnd;
        while ((headEnd = _buffer.AsSpan(0, _end).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_end == _buffer.Length)
            {
                throw new IOException("the upgrade response head is larger than the receive buffer");
            }

            var received = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            if (received == 0)
            {
                throw new IOException("the server closed the connection during the upgrade");
            }

            _end += received;
        }

        var head = Encoding.ASCII.GetString(_buffer, 0, headEnd);
        _start = headEnd + 4;
        var statusLine = head.Split("\r\n")[0];
        if (!statusLine.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            throw new IOException($"upgrade refused: {statusLine}");
        }

#pragma warning disable CA5350 // RFC 6455 4.2.2 defines Sec-WebSocket-Accept with SHA-1; it is a checksum here, not security
        var expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        if (!head.Contains($"\r\nSec-WebSocket-Accept: {expected}", StringComparison.OrdinalIgnoreCase))
        {
            throw new IOException("upgrade response without the right Sec-WebSocket-Accept");
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var reason = "the server closed the connection";
        try
        {
            while (true)
            {
                var needed = ProcessFrames();
                if (_sink is null || IsClosed)
                {
                    return;
                }

                MakeRoom(needed);
                var received = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
                if (received == 0)
                {
                    break;
                }

                ReceivedAt = Stopwatch.GetTimestamp();
                _end += received;
            }
        }
        catch (SocketException ex)
        {
            reason = $"socket error: {ex.SocketErrorCode}";
        }
        catch (ObjectDisposedException)
        {
            reason = "closed by the load tool";
        }
        catch (IOException ex)
        {
            reason = ex.Message;
        }

        Close(reason);
    }

    /// <summary>Handles every whole frame in the buffer; returns the bytes the next frame needs in total (0 if unknown).</summary>
    private int ProcessFrames()
    {
        while (true)
        {
            var available = _buffer.AsSpan(_start, _end - _start);
            if (!FrameHeader.TryParse(available, out var header, out var fault))
            {
                return 0;
            }

            if (fault is not null || header.Masked || header.Reserved != 0 || header.PayloadLength > int.MaxValue / 2)
            {
                throw new IOException(fault is not null ? $"bad frame from the server: {fault.Value.Reason}" : "bad frame from the server (masked, RSV bits or size)");
            }

            var total = header.HeaderLength + (int)header.PayloadLength;
            if (available.Length < total)
            {
                return total;
            }

            var payload = available.Slice(header.HeaderLength, (int)header.PayloadLength);
            _start += total;
            OnFrame(header, payload);
            if (IsClosed)
            {
                return 0;
            }
        }
    }

    private void OnFrame(in FrameHeader header, ReadOnlySpan<byte> payload)
    {
        switch (header.Opcode)
        {
            case FrameOpcode.Text or FrameOpcode.Binary when header.Fin && _fragmentLength == 0:
                _sink!.OnMessage(payload);
                break;
            case FrameOpcode.Text or FrameOpcode.Binary or FrameOpcode.Continuation:
                AppendFragment(payload);
                if (header.Fin)
                {
                    var message = _fragments.AsSpan(0, _fragmentLength);
                    _fragmentLength = 0;
                    _sink!.OnMessage(message);
                }

                break;
            case FrameOpcode.Ping:
                Send(FrameOpcode.Pong, payload, flush: true);
                break;
            case FrameOpcode.Close:
                var code = payload.Length >= 2 ? (payload[0] << 8) | payload[1] : 1005;
                var text = payload.Length > 2 ? Encoding.UTF8.GetString(payload[2..]) : "";
                Close($"close frame {code} {text}".TrimEnd());
                break;
        }
    }

    private void AppendFragment(ReadOnlySpan<byte> payload)
    {
        if (_fragments is null || _fragments.Length < _fragmentLength + payload.Length)
        {
            Array.Resize(ref _fragments, Math.Max(_fragmentLength + payload.Length, (_fragments?.Length ?? 1024) * 2));
        }

        payload.CopyTo(_fragments.AsSpan(_fragmentLength));
        _fragmentLength += payload.Length;
    }

    /// <summary>Moves a partial frame to the front and grows the buffer if one frame needs more.</summary>
    private void MakeRoom(int needed)
    {
        if (_start == _end)
        {
            _start = _end = 0;
            return;
        }

        var pending = _end - _start;
        if (_buffer.Length - _end >= 512 && (needed == 0 || _start + needed <= _buffer.Length))
        {
            return;
        }

        if (needed > _buffer.Length)
        {
            var larger = new byte[Math.Max(needed, _buffer.Length * 2)];
            _buffer.AsSpan(_start, pending).CopyTo(larger);
            _buffer = larger;
        }
        else
        {
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
        }

        _start = 0;
        _end = pending;
    }

    private void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        try
        {
            _socket.Dispose();
        }
        finally
        {
            _sink?.OnClosed(reason);
        }
    }
}
