namespace MasterSocket.Protocol.WebSockets;

/// <summary>
/// Why a connection must be failed at the framing level, with the close code the contract names
/// (PROTOCOL.md section 1). Reasons are constant strings: reporting a fault allocates nothing.
/// </summary>
public readonly record struct ProtocolFault(CloseCode Code, string Reason)
{
    public static ProtocolFault Protocol(string reason) => new(CloseCode.ProtocolError, reason);
}
