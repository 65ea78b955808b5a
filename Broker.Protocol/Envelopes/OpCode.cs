namespace MasterSocket.Protocol.Envelopes;

/// <summary>The envelope's <c>op</c> (PROTOCOL.md 2).</summary>
public enum OpCode : byte
{
    Event = 0,
    Identify = 1,
    Disconnect = 2,
    Ping = 3,
    Pong = 4,
    Reply = 5,
}
