namespace MasterSocket.Broker.Transport;

/// <summary>
/// The send loops a read started, run by the thread that did the read once it has parsed it, when
/// that gives full sends; handed to the <see cref="SendScheduler"/> otherwise.
/// <para>
/// Why: a read of a busy connection often carries dozens of messages for the same few recipients
/// (a DIRECT stream, a small group). Sending them from the reading thread at the end of the read
/// puts the whole read's frames in one gathered send per recipient, with no thread-pool hop, and
/// keeps each frame on the core that wrote it: on one core the hop cost a thread switch per shard
/// run, on two the shard's worker ran at once on the other core and sent a few frames at a time.
/// But a read that brings one message for a recipient others also send to (requests to a
/// service), or that reaches many recipients (a large group), sends better from a shard, which
/// gathers the frames of many reads and spreads the sends over the cores. So a recipient is sent
/// to here only when the read queued at least <see cref="MinMessages"/> messages for it and reached at
/// most <see cref="MaxRecipients"/> recipients (measured: docs/benchmarks.md). Messages, not frames:
/// a read's messages to the same recipients reach each of them as one frame that holds them all
/// (<see cref="Routing.ReadBatch"/>).
/// </para>
/// <para>
/// Only one read is open per thread at a time, and it is always closed before the receive loop
/// awaits anything; a send started elsewhere (a timer, the backplane, an IDENTIFY's continuation
/// outside a read) is not deferred and goes to the scheduler as before.
/// </para>
/// </summary>
internal static class ReadSends
{
    /// <summary>Fewer queued messages than this leave through the scheduler, which gathers more.</summary>
    public const int MinMessages = 8;

    /// <summary>
    /// A read that starts more send loops than this leaves them all to the scheduler's shards, from
    /// the one past this number on as they come.
    /// </summary>
    public const int MaxRecipients = 16;

    [ThreadStatic]
    private static List<ISendLoop>? t_started;

    [ThreadStatic]
    private static bool t_open;

    /// <summary>Marks the start of a read's parsing on this thread: send loops started from here on wait for <see cref="Close"/>.</summary>
    public static void Open() => t_open = true;

    /// <summary>
    /// Takes a send loop started during the open read (true); false when no read is open on this
    /// thread, and the caller schedules it.
    /// </summary>
    public static bool TryDefer(ISendLoop connection)
    {
        if (!t_open)
        {
            return false;
        }

        var started = t_started ??= new List<ISendLoop>(MaxRecipients);
        if (started.Count == MaxRecipients)
        {
            // A wide read (a large group, GLOBAL): every recipient goes to the shards, and the first
            // ones go now rather than at the end of the read, as the rest will.
            t_open = false;
            HandOver(started, sendHere: false);
            return false;
        }

        started.Add(connection);
        return true;
    }

    /// <summary>
    /// Ends the read: runs or schedules each send loop it started (each exactly once), in the order
    /// they were started.
    /// </summary>
    public static void Close()
    {
        t_open = false;
        if (t_started is { Count: > 0 } started)
        {
            HandOver(started, sendHere: true);
        }
    }

    /// <summary>
    /// Runs here (when <paramref name="sendHere"/> and a full send is queued) or schedules each send
    /// loop in <paramref name="started"/>, then empties it. The read is already closed, so nothing
    /// these loops start is added to the list meanwhile.
    /// </summary>
    private static void HandOver(List<ISendLoop> started, bool sendHere)
    {
        foreach (var connection in started)
        {
            if (sendHere && connection.HasQueued(MinMessages))
            {
                connection.RunSendLoop();
            }
            else
            {
                connection.ScheduleSendLoop();
            }
        }

        started.Clear();
    }
}
