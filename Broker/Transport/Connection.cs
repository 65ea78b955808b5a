using System.Net;
using System.Net.Sockets;
using MasterSocket.Broker.Sessions;
using Microsoft.Extensions.Logging;

namespace MasterSocket.Broker.Transport;

/// <summary>
/// One client socket: a receive loop that feeds a pipe (rented when bytes arrive, so an idle connection
/// holds neither buffer nor pipe), a send loop that runs only while frames are queued, and one
/// idempotent <see cref="Abort"/>.
/// Split by concern: <c>Connection.Receive.cs</c> (handshake, frames), <c>Connection.Send.cs</c>
/// (outbound queue, gathered sends, close handshake).
/// <para>
/// Threads: the receive loop is the only reader of the pipe and the only caller into the session;
/// <see cref="Send"/> may be called from any thread; shared state is guarded by the connection's own monitor (<c>Sync</c>).
/// </para>
/// </summary>
public sealed partial class Connection : IClientConnection, ISendLoop
{
    private readonly Socket _socket;
    private readonly BrokerRuntime _runtime;
    private readonly ILogger _logger;
    /// <summary>
    /// The connection's own monitor guards its shared state: no separate lock object (40 B per
    /// connection, and one more cache line for every frame queued to it). Nothing outside this
    /// class locks on a connection.
    /// </summary>
    private object Sync => this;

    private int _ended;
    private int _holdsWebSocketSlot; // a flag here rather than a set of ids in ConnectionManager: no entry per connection
    private long _lastActivity;
    private long _closeDeadline = long.MaxValue;
    private EndReason _closeReason = EndReason.Closed;

    internal Connection(long id, Socket socket, BrokerRuntime runtime)
    {
        Id = id;
        _socket = socket;
        _runtime = runtime;
        _logger = runtime.ConnectionLogger;
        ConnectedAt = _lastActivity = Environment.TickCount64;
        RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
    }

    public long Id { get; }

    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>Milliseconds (Environment.TickCount64) when the socket was accepted.</summary>
    public long ConnectedAt { get; }

    /// <summary>Milliseconds when the last bytes arrived: any frame is a sign of life (PROTOCOL.md 5).</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    public bool IsEnded => Volatile.Read(ref _ended) != 0;

    /// <summary>The WebSocket session once the upgrade is accepted; null before.</summary>
    public Session? Session { get; private set; }

    /// <summary>How the connection ended; meaningful once <see cref="IsEnded"/>.</summary>
    public EndReason EndReason { get; private set; }

    /// <summary>Starts the receive loop; the connection then runs until it ends on its own.</summary>
    internal void Start() => _ = ReceiveLoopAsync();

    /// <summary>
    /// Ends the connection now: closes the socket, drops what is queued, leaves the registry. Safe to
    /// call from any thread, any number of times; only the first call counts.
    /// </summary>
    public void Abort(EndReason reason)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        EndReason = reason;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset or never fully connected: nothing left to shut down.
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
        DropQueued();
        Session?.OnEnded();
        _runtime.Connections.Remove(this);
        Log.ConnectionEnded(_logger, Id, reason);
    }

    /// <summary>Called by the heartbeat monitor: deadlines for upgrade, IDENTIFY, heartbeats, close.</summary>
    internal void OnTick(long now)
    {
        if (IsEnded)
        {
            return;
        }

        if (now >= Volatile.Read(ref _closeDeadline))
        {
            Abort(_closeReason == EndReason.Closed ? EndReason.CloseTimeout : _closeReason);
            return;
        }

        var session = Session;
        if (session is null)
        {
            // Still in the upgrade: the IDENTIFY deadline covers it too.
            if (now - ConnectedAt >= _runtime.IdentifyTimeoutMs)
            {
                Abort(EndReason.HandshakeRefused);
            }

            return;
        }

        session.OnTick(now);
    }

    /// <summary>Records that <see cref="ConnectionManager"/> gave this connection a WebSocket slot.</summary>
    internal void TakeWebSocketSlot() => Volatile.Write(ref _holdsWebSocketSlot, 1);

    /// <summary>Clears the slot flag; true if it was set, so the slot is given back exactly once.</summary>
    internal bool GiveBackWebSocketSlot() => Interlocked.Exchange(ref _holdsWebSocketSlot, 0) != 0;

    private void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);
}
