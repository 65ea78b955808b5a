namespace MasterSocket.Broker.Sessions;

/// <summary>Where a session is in its lifecycle (PROTOCOL.md 3).</summary>
public enum SessionState
{
    /// <summary>Upgraded; only IDENTIFY and PING are accepted.</summary>
    AwaitingIdentify,

    /// <summary>An IDENTIFY is being checked; the receive loop waits for the answer.</summary>
    Identifying,

    Identified,

    /// <summary>The connection ended; the session is out of the registry.</summary>
    Ended,
}
