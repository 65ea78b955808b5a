using System.Collections.Concurrent;

namespace MasterSocket.Broker.Transport;

/// <summary>
/// Every live connection of this node: for the heartbeat monitor's ticks, for shutdown, and for the
/// <c>Limits:MaxConnections</c> bound on upgraded connections.
/// </summary>
public sealed class ConnectionManager(int maxWebSockets)
{
    private readonly ConcurrentDictionary<long, Connection> _connections = new();
    private long _nextId;
    private int _webSockets;

    /// <summary>Open TCP connections, upgraded or not.</summary>
    public int Count => _connections.Count;

    /// <summary>Connections that completed the WebSocket upgrade and have not ended.</summary>
    public int WebSocketCount => Volatile.Read(ref _webSockets);

    /// <summary>
    /// The live connections, enumerated without locking (ConcurrentDictionary's enumerator). Unlike
    /// <c>Values</c>, this takes no lock and copies nothing, which matters at a tick per 5-1000 ms over
    /// tens of thousands of connections.
    /// </summary>
    public IEnumerable<Connection> All => _connections.Select(static pair => pair.Value);

    public long NextId() => Interlocked.Increment(ref _nextId);

    public void Add(Connection connection) => _connections[connection.Id] = connection;

    /// <summary>Claims a WebSocket slot; false when <c>Limits:MaxConnections</c> are already open.</summary>
    public bool TryAdmitWebSocket(Connection connection)
    {
        while (true)
        {
            var current = Volatile.Read(ref _webSockets);
            if (maxWebSockets > 0 && current >= maxWebSockets)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _webSockets, current + 1, current) == current)
            {
                connection.TakeWebSocketSlot();
                return true;
            }
        }
    }

    /// <summary>Forgets an ended connection, and gives back its WebSocket slot if it had one. Called once per connection.</summary>
    public void Remove(Connection connection)
    {
        _connections.TryRemove(connection.Id, out _);
        if (connection.GiveBackWebSocketSlot())
        {
            Interlocked.Decrement(ref _webSockets);
        }
    }
}
