using System.Buffers;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Protocol.Envelopes;

/// <summary>
/// Writes an envelope and its text-frame header together into an <see cref="IBufferWriter{T}"/>,
/// so that one buffer holds a frame ready to be sent, as it is, to every recipient:
/// <code>
/// {"id":ID,"op":OP[,"event":EVENT][,"data":DATA][,"intent":{"target":"T"[,"identifier":IDENT]}],"from":"FROM"}
/// </code>
/// The length is computed before writing, so the frame header goes in front without a second pass
/// or a copy. Raw fields are copied byte for byte: <c>data</c> is never re-serialised.
/// </summary>
public static class EnvelopeWriter
{
    public static ReadOnlySpan<byte> BrokerFrom => "broker"u8;

    private static ReadOnlySpan<byte> IdPrefix => "{\"id\":"u8;
    private static ReadOnlySpan<byte> Null => "null"u8;
    private static ReadOnlySpan<byte> OpPrefix => ",\"op\":"u8;
    private static ReadOnlySpan<byte> EventPrefix => ",\"event\":"u8;
    private static ReadOnlySpan<byte> DataPrefix => ",\"data\":"u8;
    private static ReadOnlySpan<byte> IntentPrefix => ",\"intent\":{\"target\":"u8;
    private static ReadOnlySpan<byte> IdentifierPrefix => ",\"identifier\":"u8;
    private static ReadOnlySpan<byte> IntentSuffix => "}"u8;
    private static ReadOnlySpan<byte> FromPrefix => ",\"from\":\""u8;
    private static ReadOnlySpan<byte> FromSuffix => "\"}"u8;

    /// <summary>Writes the frame; returns its total length, header included.</summary>
    public static int WriteFrame(IBufferWriter<byte> output, scoped in OutgoingEnvelope envelope) =>
        WriteFrameOfLength(output, envelope, PayloadLength(envelope));

    private static int WriteFrameOfLength(IBufferWriter<byte> output, scoped in OutgoingEnvelope envelope, int payloadLength)
    {
        var headerLength = FrameWriter.HeaderLength(payloadLength);
        var total = headerLength + payloadLength;
        var span = output.GetSpan(total);
        FrameWriter.WriteHeader(span, FrameOpcode.Text, payloadLength);
        var cursor = new SpanCursor(span[headerLength..total]);
        cursor.Put(IdPrefix);
        cursor.Put(envelope.Id.IsEmpty ? Null : envelope.Id);
        cursor.Put(OpPrefix);
        cursor.Put((byte)('0' + (byte)envelope.Op));
        if (!envelope.Event.IsEmpty)
        {
            cursor.Put(EventPrefix);
            cursor.Put(envelope.Event);
        }

        if (!envelope.Data.IsEmpty)
        {
            cursor.Put(DataPrefix);
            cursor.Put(envelope.Data);
        }

        if (envelope.Target is { } target)
        {
            cursor.Put(IntentPrefix);
            cursor.Put(TargetToken(target));
            if (target != Target.Global)
            {
                cursor.Put(IdentifierPrefix);
                cursor.Put(envelope.Identifier);
            }

            cursor.Put(IntentSuffix);
        }

        cursor.Put(FromPrefix);
        cursor.Put(envelope.From);
        cursor.Put(FromSuffix);
        output.Advance(total);
        return total;
    }

    /// <summary>
    /// Writes the frame that delivers a routed message (PROTOCOL.md 4): the sender's id, op, event,
    /// data and intent, and <paramref name="from"/> stamped by the broker in place of any the sender wrote.
    /// </summary>
    public static int WriteDelivered(IBufferWriter<byte> output, ReadOnlySpan<byte> message, in Envelope envelope, ReadOnlySpan<byte> from) =>
        WriteFrame(output, OutgoingEnvelope.ForDelivery(message, envelope, from));

    /// <summary>
    /// <see cref="WriteDelivered"/> when the whole frame, header included, is at most
    /// <paramref name="maxFrameLength"/> bytes (true); false, and nothing written, when it is longer.
    /// The length is worked out once, for the check and the write.
    /// </summary>
    public static bool TryWriteDelivered(IBufferWriter<byte> output, ReadOnlySpan<byte> message, in Envelope envelope, ReadOnlySpan<byte> from, int maxFrameLength)
    {
        var delivered = OutgoingEnvelope.ForDelivery(message, envelope, from);
        var payloadLength = PayloadLength(delivered);
        if (FrameWriter.HeaderLength(payloadLength) + payloadLength > maxFrameLength)
        {
            return false;
        }

        WriteFrameOfLength(output, delivered, payloadLength);
        return true;
    }

    /// <summary>The payload length <see cref="WriteFrame"/> will write, without writing it.</summary>
    public static int PayloadLength(scoped in OutgoingEnvelope envelope)
    {
        if (envelope.From.ContainsAny("\"\\"u8) || envelope.From.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0)
        {
            throw new ArgumentException("from must need no JSON escaping", nameof(envelope));
        }

        var length = IdPrefix.Length + (envelope.Id.IsEmpty ? Null.Length : envelope.Id.Length) + OpPrefix.Length + 1;
        if (!envelope.Event.IsEmpty)
        {
            length += EventPrefix.Length + envelope.Event.Length;
        }

        if (!envelope.Data.IsEmpty)
        {
            length += DataPrefix.Length + envelope.Data.Length;
        }

        if (envelope.Target is { } target)
        {
            length += IntentPrefix.Length + TargetToken(target).Length + IntentSuffix.Length;
            if (target != Target.Global)
            {
                length += IdentifierPrefix.Length + envelope.Identifier.Length;
            }
        }

        return length + FromPrefix.Length + envelope.From.Length + FromSuffix.Length;
    }

    private static ReadOnlySpan<byte> TargetToken(Target target) => target switch
    {
        Target.Global => "\"GLOBAL\""u8,
        Target.Group => "\"GROUP\""u8,
        Target.Direct => "\"DIRECT\""u8,
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    /// <summary>Appends to a span whose length was computed beforehand.</summary>
    private ref struct SpanCursor(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;
        private int _position;

        public void Put(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_destination[_position..]);
            _position += bytes.Length;
        }

        public void Put(byte value) => _destination[_position++] = value;
    }
}
