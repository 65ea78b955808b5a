using System.Buffers;
using System.Buffers.Binary;

namespace MasterSocket.Protocol.WebSockets;

/// <summary>
/// Writes whole frames (RFC 6455 section 5.2) straight into an <see cref="IBufferWriter{T}"/>.
/// Server frames are never masked (5.1); the masked variant exists for clients: tests, the load
/// tool and client SDKs.
/// </summary>
public static class FrameWriter
{
    /// <summary>Header bytes an unmasked frame of <paramref name="payloadLength"/> bytes needs: 2, 4 or 10.</summary>
    public static int HeaderLength(long payloadLength) => payloadLength switch
    {
        < 126 => 2,
        <= ushort.MaxValue => 4,
        _ => 10,
    };

    /// <summary>
    /// Writes an unmasked final-frame header into <paramref name="destination"/> and returns its length.
    /// </summary>
    public static int WriteHeader(Span<byte> destination, FrameOpcode opcode, long payloadLength, bool fin = true)
    {
        destination[0] = (byte)((fin ? 0x80 : 0) | (byte)opcode);
        switch (payloadLength)
        {
            case < 126:
                destination[1] = (byte)payloadLength;
                return 2;
            case <= ushort.MaxValue:
                destination[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
                return 4;
            default:
                destination[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
                return 10;
        }
    }

    /// <summary>Writes one unmasked frame holding <paramref name="payload"/>.</summary>
    public static void Write(IBufferWriter<byte> output, FrameOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true)
    {
        var headerLength = HeaderLength(payload.Length);
        var span = output.GetSpan(headerLength + payload.Length);
        WriteHeader(span, opcode, payload.Length, fin);
        payload.CopyTo(span[headerLength..]);
        output.Advance(headerLength + payload.Length);
    }

    public static void WriteText(IBufferWriter<byte> output, ReadOnlySpan<byte> payload) => Write(output, FrameOpcode.Text, payload);

    public static void WritePing(IBufferWriter<byte> output, ReadOnlySpan<byte> payload) => Write(output, FrameOpcode.Ping, payload);

    public static void WritePong(IBufferWriter<byte> output, ReadOnlySpan<byte> payload) => Write(output, FrameOpcode.Pong, payload);

    /// <summary>
    /// Writes a close frame. <see cref="CloseCode.NoStatusReceived"/> writes an empty body, as
    /// 1005 must never appear on the wire (RFC 6455 7.4.1). The reason is cut to fit 123 bytes,
    /// on a UTF-8 boundary.
    /// </summary>
    public static void WriteClose(IBufferWriter<byte> output, ushort code, ReadOnlySpan<byte> reasonUtf8 = default)
    {
        if (code == (ushort)CloseCode.NoStatusReceived)
        {
            Write(output, FrameOpcode.Close, []);
            return;
        }

        reasonUtf8 = TruncateUtf8(reasonUtf8, MessageReader.MaxControlPayload - 2);
        Span<byte> body = stackalloc byte[MessageReader.MaxControlPayload];
        BinaryPrimitives.WriteUInt16BigEndian(body, code);
        reasonUtf8.CopyTo(body[2..]);
        Write(output, FrameOpcode.Close, body[..(2 + reasonUtf8.Length)]);
    }

    public static void WriteClose(IBufferWriter<byte> output, CloseCode code, ReadOnlySpan<byte> reasonUtf8 = default) =>
        WriteClose(output, (ushort)code, reasonUtf8);

    /// <summary>
    /// Writes one masked frame, as a client must send it (RFC 6455 5.3). The caller chooses the key;
    /// a real client takes it from a strong random source.
    /// </summary>
    public static void WriteMasked(IBufferWriter<byte> output, FrameOpcode opcode, ReadOnlySpan<byte> payload, uint maskKey, bool fin = true)
    {
        var headerLength = HeaderLength(payload.Length) + 4;
        var span = output.GetSpan(headerLength + payload.Length);
        WriteHeader(span, opcode, payload.Length, fin);
        span[1] |= 0x80;
        BinaryPrimitives.WriteUInt32LittleEndian(span[(headerLength - 4)..], maskKey);
        var body = span.Slice(headerLength, payload.Length);
        payload.CopyTo(body);
        Masking.Apply(body, maskKey);
        output.Advance(headerLength + payload.Length);
    }

    private static ReadOnlySpan<byte> TruncateUtf8(ReadOnlySpan<byte> text, int maxBytes)
    {
        if (text.Length <= maxBytes)
        {
            return text;
        }

        var cut = maxBytes;
        while (cut > 0 && (text[cut] & 0xC0) == 0x80)
        {
            cut--; // never split a code point: step back to the start of the one that crosses the limit
        }

        return text[..cut];
    }
}
