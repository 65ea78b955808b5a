namespace MasterSocket.Broker.Transport;

/// <summary>
/// Coalesces sends while a receive loop parses one buffer: connections that get frames are
/// collected on that thread, and their send loops start only when the whole buffer is parsed, on
/// that same thread. So N messages in one read to the same recipient leave in one gathered send,
/// and no send costs a thread-pool hop (the runtime tries each send synchronously first). Outside
/// such a scope (heartbeat ticks, shutdown) a send loop is started on the thread pool as usual.
/// </summary>
internal static class DeferredSends
{
    [ThreadStatic]
    private static List<Connection>? t_pending;

    [ThreadStatic]
    private static bool t_active;

    /// <summary>Starts collecting on this thread.</summary>
    public static void Begin() => t_active = true;

    /// <summary>Queues <paramref name="connection"/>'s send loop for <see cref="Flush"/>; false when no scope is active.</summary>
    public static bool TryDefer(Connection connection)
    {
        if (!t_active)
        {
            return false;
        }

        (t_pending ??= new List<Connection>(16)).Add(connection);
        return true;
    }

    /// <summary>Stops collecting and runs every deferred send loop, inline, until each has to wait.</summary>
    public static void Flush()
    {
        t_active = false;
        if (t_pending is not { Count: > 0 } pending)
        {
            return;
        }

        // A send loop that completes inline never defers again (no scope is active now).
        foreach (var connection in pending)
        {
            connection.RunSendLoop();
        }

        pending.Clear();
    }
}
