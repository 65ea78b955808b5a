using MasterSocket.Broker.Transport;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// The <see cref="SendScheduler"/> never loses a connection handed to it: a shard that is just
/// going idle while another thread schedules must still run that connection (the race between
/// its drain and its reset). Many threads schedule at once; every connection must run after
/// every time it was scheduled.
/// </summary>
public sealed class SendSchedulerTests
{
    private sealed class CountingLoop(long id, SendScheduler scheduler) : ISendLoop
    {
        private int _scheduled;
        private int _ran;

        public long Id { get; } = id;

        public int Ran => Volatile.Read(ref _ran);

        public bool Pending => Volatile.Read(ref _scheduled) != 0;

        public bool HasQueued(int messages) => false;

        /// <summary>Like a connection: handed to the scheduler only when not already waiting for it.</summary>
        public void ScheduleSendLoop()
        {
            if (Interlocked.Exchange(ref _scheduled, 1) == 0)
            {
                scheduler.Schedule(this);
            }
        }

        public void RunSendLoop()
        {
            Volatile.Write(ref _scheduled, 0);
            Interlocked.Increment(ref _ran);
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(4)]
    public void Every_connection_handed_over_runs_even_while_its_shard_goes_idle(int shards)
    {
        var scheduler = new SendScheduler(shards);
        var loops = Enumerable.Range(0, 64).Select(i => new CountingLoop(i, scheduler)).ToArray();

        // Many rounds, each ending with every shard idle, and within each several threads handing
        // connections over at once: hand-overs keep landing while a shard is draining or resetting.
        for (var round = 0; round < 5000; round++)
        {
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, thread =>
            {
                for (var k = 0; k < 16; k++)
                {
                    loops[((round * 7) + (thread * 16) + k) % loops.Length].ScheduleSendLoop();
                    Thread.SpinWait(k * thread);
                }
            });

            var deadline = Environment.TickCount64 + 2000;
            while (loops.Any(loop => loop.Pending))
            {
                // A lost hand-over stays pending forever.
                Assert.That(Environment.TickCount64, Is.LessThan(deadline), $"round {round}: a connection handed to the scheduler never ran");
                Thread.Yield();
            }
        }

        Assert.That(loops.All(loop => loop.Ran > 0), Is.True);
    }

    [Test]
    public void A_scheduler_needs_at_least_one_shard() =>
        Assert.That(() => new SendScheduler(0), Throws.TypeOf<ArgumentOutOfRangeException>());
}
