using System.Buffers;
using System.Text.Json;

namespace MasterSocket.Protocol.Envelopes;

/// <summary>
/// The broker's own messages (PROTOCOL.md 3 and 5), each a text frame with <c>"from":"broker"</c>:
/// PING, PONG, REPLY with data, error REPLY and DISCONNECT.
/// </summary>
public static class BrokerMessages
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>PONG answering a client's PING: the same <c>id</c> (raw token).</summary>
    public static int WritePong(IBufferWriter<byte> output, ReadOnlySpan<byte> id) =>
        EnvelopeWriter.WriteFrame(output, new OutgoingEnvelope { Id = id, Op = OpCode.Pong, From = EnvelopeWriter.BrokerFrom });

    /// <summary>The broker's heartbeat PING; <paramref name="id"/> is a raw token the client echoes in its PONG.</summary>
    public static int WritePing(IBufferWriter<byte> output, ReadOnlySpan<byte> id) =>
        EnvelopeWriter.WriteFrame(output, new OutgoingEnvelope { Id = id, Op = OpCode.Ping, From = EnvelopeWriter.BrokerFrom });

    /// <summary>A REPLY whose <c>data</c> is ready-made JSON.</summary>
    public static int WriteReply(IBufferWriter<byte> output, ReadOnlySpan<byte> id, ReadOnlySpan<byte> data) =>
        EnvelopeWriter.WriteFrame(output, new OutgoingEnvelope { Id = id, Op = OpCode.Reply, Data = data, From = EnvelopeWriter.BrokerFrom });

    /// <summary>
    /// IDENTIFY's success (PROTOCOL.md 3): REPLY with <c>data: {"clientId", "name", "role", "groups",
    /// "heartbeatInterval", "node"}</c>. Every connection gets one, so the JSON is composed in this
    /// thread's scratch buffer with this thread's writer, not a new pair per connection.
    /// </summary>
    public static int WriteIdentifyReply(
        IBufferWriter<byte> output, ReadOnlySpan<byte> id, ReadOnlySpan<byte> clientId, string? name, string role,
        IReadOnlyList<string> groups, long heartbeatIntervalMs, string node)
    {
        var data = Scratch();
        var json = t_json;
        if (json is null)
        {
            json = t_json = new Utf8JsonWriter(data, WriterOptions);
        }
        else
        {
            json.Reset(data);
        }

        json.WriteStartObject();
        json.WriteString("clientId"u8, clientId);
        json.WriteString("name"u8, name);
        json.WriteString("role"u8, role);
        json.WriteStartArray("groups"u8);
        foreach (var group in groups)
        {
            json.WriteStringValue(group);
        }

        json.WriteEndArray();
        json.WriteNumber("heartbeatInterval"u8, heartbeatIntervalMs);
        json.WriteString("node"u8, node);
        json.WriteEndObject();
        json.Flush();
        return WriteReply(output, id, data.WrittenSpan);
    }

    /// <summary>A non-fatal error: REPLY with <c>data: {"error": {"code", "message"}}</c>.</summary>
    public static int WriteError(IBufferWriter<byte> output, ReadOnlySpan<byte> id, ErrorCode code, string message)
    {
        var data = Scratch();
        using (var json = new Utf8JsonWriter(data, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteStartObject("error"u8);
            json.WriteString("code"u8, code.WireName());
            json.WriteString("message"u8, message);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return WriteReply(output, id, data.WrittenSpan);
    }

    /// <summary>A fatal DISCONNECT: <c>data: {"code", "reason", "reconnect"}</c>; a close frame must follow.</summary>
    public static int WriteDisconnect(IBufferWriter<byte> output, DisconnectCode code, string reason)
    {
        var data = Scratch();
        using (var json = new Utf8JsonWriter(data, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("code"u8, code.WireName());
            json.WriteString("reason"u8, reason);
            json.WriteBoolean("reconnect"u8, code.Reconnect());
            json.WriteEndObject();
        }

        return EnvelopeWriter.WriteFrame(output, new OutgoingEnvelope
        {
            Op = OpCode.Disconnect,
            Data = data.WrittenSpan,
            From = EnvelopeWriter.BrokerFrom,
        });
    }

    private static ArrayBufferWriter<byte> Scratch()
    {
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(256);
        scratch.ResetWrittenCount();
        return scratch;
    }
}
