using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Protocol.Envelopes;

/// <summary>Fatal reasons: a DISCONNECT envelope, then a close frame (PROTOCOL.md 5).</summary>
public enum DisconnectCode : byte
{
    AuthFailed,
    IdentifyTimeout,
    HeartbeatTimeout,
    SlowConsumer,
    Shutdown,
}

public static class DisconnectCodes
{
    public static string WireName(this DisconnectCode code) => code switch
    {
        DisconnectCode.AuthFailed => "AUTH_FAILED",
        DisconnectCode.IdentifyTimeout => "IDENTIFY_TIMEOUT",
        DisconnectCode.HeartbeatTimeout => "HEARTBEAT_TIMEOUT",
        DisconnectCode.SlowConsumer => "SLOW_CONSUMER",
        DisconnectCode.Shutdown => "SHUTDOWN",
        _ => throw new ArgumentOutOfRangeException(nameof(code)),
    };

    /// <summary>The close code that follows the DISCONNECT envelope.</summary>
    public static CloseCode CloseCode(this DisconnectCode code) => code switch
    {
        DisconnectCode.AuthFailed => WebSockets.CloseCode.AuthFailed,
        DisconnectCode.IdentifyTimeout => WebSockets.CloseCode.IdentifyTimeout,
        DisconnectCode.HeartbeatTimeout => WebSockets.CloseCode.HeartbeatTimeout,
        DisconnectCode.SlowConsumer => WebSockets.CloseCode.SlowConsumer,
        DisconnectCode.Shutdown => WebSockets.CloseCode.GoingAway,
        _ => throw new ArgumentOutOfRangeException(nameof(code)),
    };

    /// <summary>Whether the client should reconnect: only a refused credential is final.</summary>
    public static bool Reconnect(this DisconnectCode code) => code != DisconnectCode.AuthFailed;
}
