using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Tests.Protocol.Support;

/// <summary>
/// Builds frames the way a client sends them: masked, through <see cref="FrameWriter.WriteMasked"/>.
/// Every call returns a new array, so a test may hand it to <see cref="MessageReader"/>, which unmasks in place.
/// </summary>
internal static class ClientFrames
{
    /// <summary>A mask whose four bytes all differ, so a payload read without unmasking is visibly wrong.</summary>
    public const uint DefaultMask = 0x9A3C_51E7;

    public static byte[] Frame(FrameOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true, uint mask = DefaultMask)
    {
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteMasked(output, opcode, payload, mask, fin);
        return output.WrittenSpan.ToArray();
    }

    public static byte[] Text(string text, bool fin = true) => Frame(FrameOpcode.Text, Encoding.UTF8.GetBytes(text), fin);

    public static byte[] Text(byte[] utf8, bool fin = true) => Frame(FrameOpcode.Text, utf8, fin);

    public static byte[] Continuation(string text, bool fin) => Frame(FrameOpcode.Continuation, Encoding.UTF8.GetBytes(text), fin);

    public static byte[] Continuation(byte[] bytes, bool fin) => Frame(FrameOpcode.Continuation, bytes, fin);

    public static byte[] Ping(string payload = "") => Frame(FrameOpcode.Ping, Encoding.UTF8.GetBytes(payload));

    public static byte[] Pong(string payload = "") => Frame(FrameOpcode.Pong, Encoding.UTF8.GetBytes(payload));

    /// <summary>A close frame with a status code and a UTF-8 reason.</summary>
    public static byte[] Close(ushort code, string reason = "") => Frame(FrameOpcode.Close, CloseBody(code, Encoding.UTF8.GetBytes(reason)));

    public static byte[] CloseBody(ushort code, ReadOnlySpan<byte> reason)
    {
        var body = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(body, code);
        reason.CopyTo(body.AsSpan(2));
        return body;
    }

    /// <summary>
    /// Only the header of a masked frame announcing <paramref name="payloadLength"/> bytes: what is in the
    /// buffer when a frame's payload has not arrived yet.
    /// </summary>
    public static byte[] HeaderOnly(FrameOpcode opcode, long payloadLength, bool fin = true, uint mask = DefaultMask)
    {
        var header = new byte[FrameHeader.MaxLength];
        var length = FrameWriter.WriteHeader(header, opcode, payloadLength, fin);
        header[1] |= 0x80;
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(length), mask);
        return header[..(length + 4)];
    }

    /// <summary>A copy of <paramref name="frame"/> with bits of its first byte (FIN, RSV1-3, opcode) replaced.</summary>
    public static byte[] WithFirstByte(byte[] frame, byte first)
    {
        var copy = (byte[])frame.Clone();
        copy[0] = first;
        return copy;
    }

    public static byte[] Concat(params byte[][] parts)
    {
        var result = new byte[parts.Sum(p => p.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(result, offset);
            offset += part.Length;
        }

        return result;
    }

    /// <summary>An unmasked frame, as a server writes it (and as a client must not).</summary>
    public static byte[] Unmasked(FrameOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true)
    {
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.Write(output, opcode, payload, fin);
        return output.WrittenSpan.ToArray();
    }
}
