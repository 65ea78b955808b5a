using MasterSocket.Broker.Transport;
using MasterSocket.Protocol.Envelopes;

namespace MasterSocket.Broker.Sessions;

/// <summary>
/// What a session needs from the connection under it: queue frames, end it, and the clocks for its
/// deadlines. <see cref="Connection"/> is the real one; benchmarks drive sessions and the router
/// through an in-memory one, without sockets.
/// </summary>
public interface IClientConnection
{
    long Id { get; }

    /// <summary>Milliseconds (Environment.TickCount64) when the client connected.</summary>
    long ConnectedAt { get; }

    /// <summary>Milliseconds when anything last arrived from the client.</summary>
    long LastActivity { get; }

    /// <summary>Queues a frame, taking a reference; false when the connection is closing or gone.</summary>
    bool Send(OutboundFrame frame);

    /// <summary>Sends DISCONNECT and the matching close frame, then closes.</summary>
    void Disconnect(DisconnectCode code, string reason);

    /// <summary>Closes with 1000 (the client sent DISCONNECT).</summary>
    void CloseNormally();
}
