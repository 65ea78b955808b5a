using System.Collections.Concurrent;

namespace MasterSocket.Broker.Transport;

/// <summary>
/// Runs the send loops of connections that have frames queued, many connections per thread-pool
/// work item. Routing a message queues its frame on each recipient, and a recipient that was idle
/// is handed to one shard here (unless the read that routed to it sends to it itself, below); a
/// shard is scheduled at most once at a time and, when it runs, starts every send loop handed to
/// it since. So one thread-pool dispatch serves a whole burst of routed
/// messages instead of one per recipient, and the frames that arrive for a recipient while its
/// shard waits to run leave in the same gathered send.
/// <para>
/// Not every send comes here: a read that queued a full send for a few recipients sends to them
/// itself at its end (<see cref="ReadSends"/>). What comes here is what gathers better across
/// reads: one or a few frames per recipient per read (requests converging on a service, a paced
/// client), reads that reach many recipients (a large group, GLOBAL), and sends started outside a
/// read (timers, the backplane). Why several shards: one would be a single thread doing every
/// send of a fan-out; one per processor lets every core send.
/// </para>
/// </summary>
public sealed class SendScheduler
{
    private readonly Shard[] _shards;

    public SendScheduler(int shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        _shards = new Shard[shards];
        for (var i = 0; i < shards; i++)
        {
            _shards[i] = new Shard();
        }
    }

    /// <summary>Starts <paramref name="connection"/>'s send loop soon, on a thread-pool thread.</summary>
    internal void Schedule(ISendLoop connection) =>
        _shards[(int)((ulong)connection.Id % (ulong)_shards.Length)].Schedule(connection);

    private sealed class Shard : IThreadPoolWorkItem
    {
        private readonly ConcurrentQueue<ISendLoop> _ready = new();
        private int _scheduled;

        public void Schedule(ISendLoop connection)
        {
            _ready.Enqueue(connection);
            if (Interlocked.Exchange(ref _scheduled, 1) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
        }

        public void Execute()
        {
            while (true)
            {
                while (_ready.TryDequeue(out var connection))
                {
                    // Runs synchronously while the kernel takes the bytes; a send that must wait
                    // continues on its own and the shard moves on.
                    connection.RunSendLoop();
                }

                // A full fence, not a release store: the emptiness check below must not be read
                // before the reset is visible, or a Schedule could enqueue after that read and still
                // see 1 (a store-load reordering, which x86 allows), and nobody would run it.
                Interlocked.Exchange(ref _scheduled, 0);

                // A Schedule between the drain and the reset saw _scheduled == 1 and queued no work
                // item: take its connection now, unless another work item already has.
                if (_ready.IsEmpty || Interlocked.Exchange(ref _scheduled, 1) != 0)
                {
                    return;
                }
            }
        }
    }
}
