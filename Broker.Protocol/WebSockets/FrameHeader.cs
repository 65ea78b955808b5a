using System.Buffers;
using System.Buffers.Binary;

namespace MasterSocket.Protocol.WebSockets;

/// <summary>
/// A decoded frame header (RFC 6455 section 5.2):
/// <code>
///  0               1               2               3
///  FIN RSV1-3 opcode(4) | MASK len(7) | [len16 | len64] | [mask key(32)] | payload
/// </code>
/// </summary>
public readonly struct FrameHeader
{
    /// <summary>The longest header: 2 fixed bytes, 8 bytes of 64-bit length, 4 bytes of mask key.</summary>
    public const int MaxLength = 14;

    public bool Fin { get; init; }

    /// <summary>The three reserved bits, in the low bits (RSV1 = 4, RSV2 = 2, RSV3 = 1).</summary>
    public byte Reserved { get; init; }

    public FrameOpcode Opcode { get; init; }
    public bool Masked { get; init; }
    public uint MaskKey { get; init; }
    public long PayloadLength { get; init; }
    public int HeaderLength { get; init; }

    public bool IsControl => ((byte)Opcode & 0x8) != 0;

    /// <summary>
    /// Decodes a header from the start of <paramref name="buffer"/>. Returns false when more bytes are
    /// needed; a header that can be decoded but breaks a length rule is reported in <paramref name="fault"/>.
    /// </summary>
    public static bool TryParse(in ReadOnlySequence<byte> buffer, out FrameHeader header, out ProtocolFault? fault)
    {
        fault = null;
        header = default;
        if (buffer.Length < 2)
        {
            return false;
        }

        scoped ReadOnlySpan<byte> bytes;
        Span<byte> copy = stackalloc byte[MaxLength];
        var first = buffer.FirstSpan;
        if (first.Length >= MaxLength || first.Length == buffer.Length)
        {
            bytes = first;
        }
        else
        {
            var available = (int)Math.Min(MaxLength, buffer.Length);
            buffer.Slice(0, available).CopyTo(copy);
            bytes = copy[..available];
        }

        return TryParse(bytes, out header, out fault);
    }

    /// <inheritdoc cref="TryParse(in ReadOnlySequence{byte}, out FrameHeader, out ProtocolFault?)"/>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out FrameHeader header, out ProtocolFault? fault)
    {
        fault = null;
        header = default;
        if (bytes.Length < 2)
        {
            return false;
        }

        var b0 = bytes[0];
        var b1 = bytes[1];
        var masked = (b1 & 0x80) != 0;
        var length7 = b1 & 0x7F;
        var position = 2;
        long payloadLength;
        if (length7 < 126)
        {
            payloadLength = length7;
        }
        else if (length7 == 126)
        {
            if (bytes.Length < position + 2)
            {
                return false;
            }

            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[position..]);
            position += 2;
        }
        else
        {
            if (bytes.Length < position + 8)
            {
                return false;
            }

            var length64 = BinaryPrimitives.ReadUInt64BigEndian(bytes[position..]);
            position += 8;

            // RFC 6455 5.2: "the most significant bit MUST be 0".
            if ((length64 & 0x8000_0000_0000_0000UL) != 0)
            {
                fault = ProtocolFault.Protocol("the most significant bit of a 64-bit payload length must be 0");
                return true;
            }

            payloadLength = (long)length64;
        }

        uint maskKey = 0;
        if (masked)
        {
            if (bytes.Length < position + 4)
            {
                return false;
            }

            maskKey = BinaryPrimitives.ReadUInt32LittleEndian(bytes[position..]);
            position += 4;
        }

        header = new FrameHeader
        {
            Fin = (b0 & 0x80) != 0,
            Reserved = (byte)((b0 >> 4) & 0x7),
            Opcode = (FrameOpcode)(b0 & 0x0F),
            Masked = masked,
            MaskKey = maskKey,
            PayloadLength = payloadLength,
            HeaderLength = position,
        };
        return true;
    }
}
