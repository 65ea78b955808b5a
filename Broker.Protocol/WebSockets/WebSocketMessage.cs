using System.Buffers;
using System.Buffers.Binary;

namespace MasterSocket.Protocol.WebSockets;

/// <summary>
/// One unit the <see cref="MessageReader"/> yields: a whole text message, or a control frame.
/// <para>
/// Lifetime: <see cref="Payload"/> of an unfragmented message is a slice of the caller's input
/// buffer (unmasked in place) and is valid until the caller advances its PipeReader past it; the
/// payload of a reassembled fragmented message lives in the reader and is valid until the next call
/// to <see cref="MessageReader.TryRead"/>. Anything kept longer must be copied.
/// </para>
/// </summary>
public readonly struct WebSocketMessage
{
    public WebSocketMessage(FrameOpcode opcode, ReadOnlySequence<byte> payload)
    {
        Opcode = opcode;
        Payload = payload;
    }

    /// <summary><see cref="FrameOpcode.Text"/>, <see cref="FrameOpcode.Close"/>, <see cref="FrameOpcode.Ping"/> or <see cref="FrameOpcode.Pong"/>.</summary>
    public FrameOpcode Opcode { get; }

    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>For a close frame: its status code, or 1005 when it carried none (RFC 6455 7.1.5).</summary>
    public ushort CloseStatus
    {
        get
        {
            if (Opcode != FrameOpcode.Close || Payload.Length < 2)
            {
                return (ushort)CloseCode.NoStatusReceived;
            }

            Span<byte> code = stackalloc byte[2];
            Payload.Slice(0, 2).CopyTo(code);
            return BinaryPrimitives.ReadUInt16BigEndian(code);
        }
    }

    /// <summary>For a close frame: the UTF-8 reason after the status code (may be empty).</summary>
    public ReadOnlySequence<byte> CloseReason => Opcode == FrameOpcode.Close && Payload.Length >= 2
        ? Payload.Slice(2)
        : ReadOnlySequence<byte>.Empty;
}
