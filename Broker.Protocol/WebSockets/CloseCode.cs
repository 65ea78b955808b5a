namespace MasterSocket.Protocol.WebSockets;

/// <summary>
/// WebSocket close status codes (RFC 6455 section 7.4) and the broker's application codes
/// from the contract (PROTOCOL.md section 5). Values are what goes on the wire.
/// </summary>
public enum CloseCode : ushort
{
    NormalClosure = 1000,
    GoingAway = 1001,
    ProtocolError = 1002,
    UnsupportedData = 1003,

    /// <summary>Never sent on the wire: "a close frame without a status code" (RFC 6455 7.1.5).</summary>
    NoStatusReceived = 1005,

    InvalidPayloadData = 1007,
    PolicyViolation = 1008,
    MessageTooBig = 1009,
    InternalServerError = 1011,

    AuthFailed = 4001,
    IdentifyTimeout = 4002,
    HeartbeatTimeout = 4003,
    SlowConsumer = 4008,
}

/// <summary>Rules about which close codes may appear in a close frame.</summary>
public static class CloseCodes
{
    /// <summary>
    /// True when <paramref name="code"/> may be sent in a close frame (RFC 6455 section 7.4.1 and 7.4.2):
    /// 1000-1003 and 1007-1014 are defined by the RFC and the IANA registry; 1004, 1005, 1006 and 1015
    /// are reserved and MUST NOT be sent; 3000-4999 belong to libraries and applications; the rest is invalid.
    /// </summary>
    public static bool IsValidOnWire(ushort code) => code switch
    {
        >= 1000 and <= 1003 => true,
        >= 1007 and <= 1014 => true,
        >= 3000 and <= 4999 => true,
        _ => false,
    };
}
