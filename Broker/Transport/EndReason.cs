namespace MasterSocket.Broker.Transport;

/// <summary>Why a connection ended; each connection records exactly one (the first).</summary>
public enum EndReason
{
    /// <summary>The close handshake completed (either side started it).</summary>
    Closed,

    /// <summary>The peer closed or reset TCP without a close frame.</summary>
    PeerGone,

    /// <summary>The upgrade request was refused (4xx/5xx) or never completed.</summary>
    HandshakeRefused,

    /// <summary>A framing-level fault: 1002, 1003, 1007 or 1009.</summary>
    ProtocolFault,

    /// <summary>The broker disconnected it with a DISCONNECT code.</summary>
    Disconnected,

    /// <summary>The peer did not finish the close handshake in time.</summary>
    CloseTimeout,

    /// <summary>A socket error while sending or receiving.</summary>
    SocketError,

    /// <summary>The node is shutting down.</summary>
    Shutdown,
}
