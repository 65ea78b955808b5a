namespace MasterSocket.Broker.Transport;

/// <summary>
/// A connection's send loop as the <see cref="SendScheduler"/> and <see cref="ReadSends"/> see it
/// (an interface so tests can count runs).
/// </summary>
internal interface ISendLoop
{
    /// <summary>Picks the scheduler shard: the same connection always lands on the same one.</summary>
    long Id { get; }

    /// <summary>True when at least <paramref name="messages"/> messages wait in the queue (not yet taken by a send); a frame that holds several messages (ReadBatch) counts each.</summary>
    bool HasQueued(int messages);

    /// <summary>Runs the send loop until its queue is empty or the socket must be waited for.</summary>
    void RunSendLoop();

    /// <summary>Hands the send loop to the connection's <see cref="SendScheduler"/>, which runs it soon on a thread-pool thread.</summary>
    void ScheduleSendLoop();
}
