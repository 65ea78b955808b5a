using System.Buffers.Text;
using System.Text;

namespace MasterSocket.Benchmarks.Load.Clients;

/// <summary>
/// The MasterSocket adapter (PROTOCOL.md): IDENTIFY with role and groups (auth mode None), answer the
/// broker's PINGs, send EVENTs with GROUP / GLOBAL / DIRECT intents and REPLYs, and read delivered
/// envelopes. The broker writes delivered envelopes as <c>{"id":..,"op":..,"event":..,"data":..,"intent":..,"from":".."}</c>;
/// the tool's payload is a JSON string without quotes or escapes, so the receive path finds the fields
/// with a few vectorised searches instead of a JSON parser. Anything it does not recognise (an error
/// REPLY, a DISCONNECT) fails the run with the message's text.
/// </summary>
public sealed class MasterSocketClient(int index, ClientSpec spec, Verification verification) : BenchClient(index, spec, verification)
{
    private const string Subprotocol1 = "mastersocket.v1";
    private static readonly byte[] IdentifyId = "\"hello\""u8.ToArray();
    private static readonly byte[] PublishHead = ",\"op\":0,\"event\":\"m\",\"data\":\""u8.ToArray();
    private static ReadOnlySpan<byte> IdPrefix => "{\"id\":"u8;
    private static ReadOnlySpan<byte> OpPrefix => ",\"op\":"u8;
    private static ReadOnlySpan<byte> DataPrefix => "\"data\":"u8;
    private static ReadOnlySpan<byte> FromPrefix => "\"from\":\""u8;
    private static ReadOnlySpan<byte> ClientIdPrefix => "\"clientId\":\""u8;
    private static ReadOnlySpan<byte> ReplyHead => ",\"op\":5,\"data\":\""u8;
    private static ReadOnlySpan<byte> ReplyTailHead => "\",\"intent\":{\"target\":\"DIRECT\",\"identifier\":\""u8;
    private static ReadOnlySpan<byte> ReplyTailEnd => "\"}}"u8;

    private string _clientId = "";
    private bool _identified;

    public override string Address => _clientId;

    protected override string? Subprotocol => Subprotocol1;

    protected override void StartHandshake()
    {
        var groups = Spec.Group is null ? "" : $"\"{Spec.Group}\"";
        var identify = $"{{\"id\":\"hello\",\"op\":1,\"data\":{{\"name\":\"{Spec.Name}\",\"role\":\"{(Spec.Service ? "service" : "client")}\",\"groups\":[{groups}]}}}}";
        Connection.SendText(Encoding.UTF8.GetBytes(identify));
    }

    public override PreparedRoute Prepare(Destination destination)
    {
        var tail = destination.Kind switch
        {
            DestinationKind.Global => "\",\"intent\":{\"target\":\"GLOBAL\"}}",
            DestinationKind.Group => $"\",\"intent\":{{\"target\":\"GROUP\",\"identifier\":\"{destination.Name}\"}}}}",
            _ => $"\",\"intent\":{{\"target\":\"DIRECT\",\"identifier\":\"{destination.Name}\"}}}}",
        };
        return new PreparedRoute(PublishHead, Encoding.UTF8.GetBytes(tail));
    }

    /// <summary><c>{"id":ID,"op":0,"event":"m","data":"PAYLOAD","intent":{...}}</c></summary>
    public override void Publish(PreparedRoute route, ReadOnlySpan<byte> payload, long id, bool flush = true)
    {
        var scratch = Scratch(IdPrefix.Length + 20 + route.Head.Length + payload.Length + route.Tail.Length);
        var span = scratch.AsSpan();
        var at = Put(span, 0, IdPrefix);
        Utf8Formatter.TryFormat(id, span[at..], out var written);
        at += written;
        at = Put(span, at, route.Head);
        at = Put(span, at, payload);
        at = Put(span, at, route.Tail);
        Connection.SendText(span[..at], flush);
    }

    /// <summary><c>{"id":REQUEST_ID,"op":5,"data":"PAYLOAD","intent":{"target":"DIRECT","identifier":"FROM"}}</c></summary>
    public override void Reply(in Delivery request, ReadOnlySpan<byte> payload)
    {
        var scratch = Scratch(IdPrefix.Length + request.Id.Length + ReplyHead.Length + payload.Length + ReplyTailHead.Length + request.From.Length + ReplyTailEnd.Length);
        var span = scratch.AsSpan();
        var at = Put(span, 0, IdPrefix);
        at = Put(span, at, request.Id);
        at = Put(span, at, ReplyHead);
        at = Put(span, at, payload);
        at = Put(span, at, ReplyTailHead);
        at = Put(span, at, request.From);
        at = Put(span, at, ReplyTailEnd);
        Connection.SendText(span[..at]);
    }

    public override void OnMessage(ReadOnlySpan<byte> message)
    {
        if (!message.StartsWith(IdPrefix))
        {
            Problem($"unexpected message: {Text(message)}");
            return;
        }

        var rest = message[IdPrefix.Length..];
        var opAt = rest.IndexOf(OpPrefix);
        if (opAt < 0 || rest.Length <= opAt + OpPrefix.Length)
        {
            Problem($"message without op: {Text(message)}");
            return;
        }

        var id = rest[..opAt];
        var op = rest[opAt + OpPrefix.Length] - '0';
        var body = rest[(opAt + OpPrefix.Length + 1)..];
        switch (op)
        {
            case 3: // the broker's heartbeat PING: PONG with the same id
                SendPong(id);
                return;
            case 4:
                return;
            case 2:
                Problem($"DISCONNECT from the broker: {Text(message)}");
                return;
            case 0 or 5:
                break;
            default:
                Problem($"unexpected op {op}: {Text(message)}");
                return;
        }

        if (!_identified)
        {
            OnIdentifyReply(message, id, body);
            return;
        }

        var dataAt = body.IndexOf(DataPrefix);
        if (dataAt < 0 || body.Length <= dataAt + DataPrefix.Length || body[dataAt + DataPrefix.Length] != (byte)'"')
        {
            Problem($"not a load-tool message (an error REPLY?): {Text(message)}");
            return;
        }

        var value = body[(dataAt + DataPrefix.Length + 1)..];
        var end = value.IndexOf((byte)'"');
        if (end < 0)
        {
            Problem($"unterminated data: {Text(message)}");
            return;
        }

        var payload = value[..end];
        var afterData = value[(end + 1)..];
        var fromAt = afterData.IndexOf(FromPrefix);
        ReadOnlySpan<byte> from = default;
        if (fromAt >= 0)
        {
            from = afterData[(fromAt + FromPrefix.Length)..];
            var fromEnd = from.IndexOf((byte)'"');
            from = fromEnd >= 0 ? from[..fromEnd] : default;
        }

        Deliver(new Delivery(payload, op == 5, id, from, default));
    }

    private void OnIdentifyReply(ReadOnlySpan<byte> message, ReadOnlySpan<byte> id, ReadOnlySpan<byte> body)
    {
        var clientIdAt = body.IndexOf(ClientIdPrefix);
        if (!id.SequenceEqual(IdentifyId) || clientIdAt < 0)
        {
            Problem($"IDENTIFY was not accepted: {Text(message)}");
            return;
        }

        var value = body[(clientIdAt + ClientIdPrefix.Length)..];
        var end = value.IndexOf((byte)'"');
        _clientId = Encoding.UTF8.GetString(value[..Math.Max(0, end)]);
        _identified = true;
        SetReady();
    }

    private void SendPong(ReadOnlySpan<byte> id)
    {
        Span<byte> pong = stackalloc byte[IdPrefix.Length + id.Length + 10];
        var at = Put(pong, 0, IdPrefix);
        at = Put(pong, at, id);
        at = Put(pong, at, ",\"op\":4}"u8);
        Connection.SendText(pong[..at]);
    }

    private static int Put(Span<byte> destination, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination[at..]);
        return at + bytes.Length;
    }

    private static string Text(ReadOnlySpan<byte> message) =>
        Encoding.UTF8.GetString(message[..Math.Min(message.Length, 300)]);
}
