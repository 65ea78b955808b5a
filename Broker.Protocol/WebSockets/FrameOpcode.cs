namespace MasterSocket.Protocol.WebSockets;

/// <summary>The 4-bit frame opcode (RFC 6455 section 5.2). Others are reserved.</summary>
public enum FrameOpcode : byte
{
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}
