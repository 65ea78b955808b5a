namespace MasterSocket.Broker.Transport;

/// <summary>What the <see cref="SendScheduler"/> runs: a connection's send loop (an interface so tests can count runs).</summary>
internal interface ISendLoop
{
    /// <summary>Picks the scheduler shard: the same connection always lands on the same one.</summary>
    long Id { get; }

    /// <summary>Runs the send loop until its queue is empty or the socket must be waited for.</summary>
    void RunSendLoop();
}
