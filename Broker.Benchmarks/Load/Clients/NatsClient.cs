using System.Buffers.Text;
using System.Text;

namespace MasterSocket.Benchmarks.Load.Clients;

/// <summary>
/// The NATS adapter: the NATS text protocol carried in WebSocket frames (nats-server's websocket
/// listener). The frames' payloads form one byte stream: a frame may hold several operations and an
/// operation may span frames, so it is parsed as a stream, keeping an incomplete tail for the next frame.
/// <code>
/// server: INFO {json}\r\n | MSG subject sid [reply-to] #bytes\r\n payload\r\n | PING\r\n | PONG\r\n | +OK\r\n | -ERR 'text'\r\n
/// client: CONNECT {json}\r\n | SUB subject [queue] sid\r\n | PUB subject [reply-to] #bytes\r\n payload\r\n | PING\r\n | PONG\r\n
/// </code>
/// Each PUB goes in its own WebSocket frame, as each MasterSocket message does, so both servers
/// parse the same number of frames.
/// </summary>
public sealed class NatsClient(int index, ClientSpec spec, Verification verification) : BenchClient(index, spec, verification)
{
    private const int MaxControlLine = 4096;
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;
    private static ReadOnlySpan<byte> Pub => "PUB "u8;

    private byte[] _pending = new byte[256];
    private int _pendingLength;
    private bool _infoSeen;
    private bool _connected;

    public override string Address => Spec.Inbox ?? throw new InvalidOperationException($"{Spec.Name} has no inbox subject");

    protected override string? Subprotocol => null;

    protected override void StartHandshake()
    {
        var handshake = new StringBuilder();
        handshake.Append("CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1,\"echo\":false,\"headers\":false,\"no_responders\":false,")
            .Append("\"name\":\"").Append(Spec.Name).Append("\",\"lang\":\"mastersocket-load\",\"version\":\"1\"}\r\n");
        var sid = 1;
        if (Spec.Group is not null)
        {
            handshake.Append("SUB ").Append(Spec.Group).Append(' ');
            if (Spec.QueueGroup is not null)
            {
                handshake.Append(Spec.QueueGroup).Append(' ');
            }

            handshake.Append(sid++).Append("\r\n");
        }

        if (Spec.GlobalMember)
        {
            handshake.Append("SUB ").Append(Destination.GlobalSubject).Append(' ').Append(sid++).Append("\r\n");
        }

        if (Spec.Inbox is not null)
        {
            handshake.Append("SUB ").Append(Spec.Inbox).Append(' ').Append(sid).Append("\r\n");
        }

        // The PONG to this PING says the server has processed CONNECT and every SUB before it.
        handshake.Append("PING\r\n");
        Connection.SendText(Encoding.ASCII.GetBytes(handshake.ToString()));
    }

    public override PreparedRoute Prepare(Destination destination)
    {
        var head = destination.ReplyTo is null ? $"PUB {destination.Name} " : $"PUB {destination.Name} {destination.ReplyTo} ";
        return new PreparedRoute(Encoding.ASCII.GetBytes(head), []);
    }

    /// <summary><c>PUB subject [reply-to] #bytes\r\npayload\r\n</c></summary>
    public override void Publish(PreparedRoute route, ReadOnlySpan<byte> payload, long id, bool flush = true)
    {
        var scratch = Scratch(route.Head.Length + 24 + payload.Length);
        var span = scratch.AsSpan();
        route.Head.CopyTo(span);
        var at = route.Head.Length;
        Utf8Formatter.TryFormat(payload.Length, span[at..], out var written);
        at += written;
        at = Put(span, at, Crlf);
        at = Put(span, at, payload);
        at = Put(span, at, Crlf);
        Connection.SendText(span[..at], flush);
    }

    /// <summary><c>PUB reply-to #bytes\r\npayload\r\n</c></summary>
    public override void Reply(in Delivery request, ReadOnlySpan<byte> payload)
    {
        if (request.ReplyTo.IsEmpty)
        {
            Problem("a request without a reply subject");
            return;
        }

        var scratch = Scratch(Pub.Length + request.ReplyTo.Length + 24 + payload.Length);
        var span = scratch.AsSpan();
        var at = Put(span, 0, Pub);
        at = Put(span, at, request.ReplyTo);
        span[at++] = (byte)' ';
        Utf8Formatter.TryFormat(payload.Length, span[at..], out var written);
        at += written;
        at = Put(span, at, Crlf);
        at = Put(span, at, payload);
        at = Put(span, at, Crlf);
        Connection.SendText(span[..at]);
    }

    public override void OnMessage(ReadOnlySpan<byte> message)
    {
        if (_pendingLength == 0)
        {
            // The common case: the frame starts at an operation boundary; keep only an incomplete tail.
            var consumed = Parse(message);
            Keep(message[consumed..]);
            return;
        }

        Keep(message);
        var used = Parse(_pending.AsSpan(0, _pendingLength));
        _pending.AsSpan(used, _pendingLength - used).CopyTo(_pending);
        _pendingLength -= used;
    }

    /// <summary>Handles every complete operation in <paramref name="stream"/>; returns the bytes consumed.</summary>
    private int Parse(ReadOnlySpan<byte> stream)
    {
        var consumed = 0;
        while (consumed < stream.Length)
        {
            var rest = stream[consumed..];
            var lineEnd = rest.IndexOf(Crlf);
            if (lineEnd < 0)
            {
                if (rest.Length > MaxControlLine)
                {
                    Problem("a protocol line longer than 4 KiB");
                    return stream.Length;
                }

                return consumed;
            }

            var line = rest[..lineEnd];
            if (line.StartsWith("MSG "u8))
            {
                var used = OnMsg(line, rest[(lineEnd + 2)..]);
                if (used < 0)
                {
                    return consumed; // the payload has not all arrived yet
                }

                consumed += lineEnd + 2 + used;
                continue;
            }

            consumed += lineEnd + 2;
            if (line.SequenceEqual("PING"u8))
            {
                Connection.SendText("PONG\r\n"u8);
            }
            else if (line.SequenceEqual("PONG"u8))
            {
                OnPong();
            }
            else if (line.StartsWith("INFO "u8))
            {
                _infoSeen = true;
            }
            else if (line.StartsWith("-ERR"u8))
            {
                Problem($"nats-server said {Encoding.ASCII.GetString(line)}");
            }
            else if (!line.SequenceEqual("+OK"u8))
            {
                Problem($"unexpected line from nats-server: {Encoding.ASCII.GetString(line[..Math.Min(line.Length, 200)])}");
            }
        }

        return consumed;
    }

    /// <summary>
    /// <c>MSG subject sid [reply-to] #bytes</c>: returns the bytes of payload and its CRLF consumed
    /// from <paramref name="after"/>, or -1 if they have not all arrived.
    /// </summary>
    private int OnMsg(ReadOnlySpan<byte> line, ReadOnlySpan<byte> after)
    {
        Span<Range> parts = stackalloc Range[5];
        var args = line[4..];
        var count = 0;
        foreach (var part in args.Split((byte)' '))
        {
            if (part.Start.Value == part.End.Value)
            {
                continue; // several spaces in a row
            }

            if (count == parts.Length)
            {
                count++;
                break;
            }

            parts[count++] = part;
        }

        if (count is < 3 or > 4 || !Utf8Parser.TryParse(args[parts[count - 1]], out int size, out _) || size < 0)
        {
            Problem($"malformed MSG line: {Encoding.ASCII.GetString(line)}");
            return after.Length;
        }

        if (after.Length < size + 2)
        {
            return -1;
        }

        var replyTo = count == 4 ? args[parts[2]] : default;
        Deliver(new Delivery(after[..size], isReply: false, default, default, replyTo));
        return size + 2;
    }

    private void OnPong()
    {
        if (_connected)
        {
            return;
        }

        if (!_infoSeen)
        {
            Problem("PONG before INFO");
            return;
        }

        _connected = true;
        SetReady();
    }

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        if (_pending.Length < _pendingLength + bytes.Length)
        {
            Array.Resize(ref _pending, Math.Max(_pendingLength + bytes.Length, _pending.Length * 2));
        }

        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += bytes.Length;
    }

    private static int Put(Span<byte> destination, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination[at..]);
        return at + bytes.Length;
    }
}
