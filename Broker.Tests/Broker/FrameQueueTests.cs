using MasterSocket.Broker.Transport;

namespace MasterSocket.Tests.Broker;

/// <summary><see cref="FrameQueue"/>: FIFO across its one-frame slot and its queue, which is made only when needed.</summary>
public sealed class FrameQueueTests
{
    [Test]
    public void One_frame_at_a_time_never_makes_a_queue()
    {
        var queue = default(FrameQueue);
        for (var i = 0; i < 3; i++)
        {
            var frame = OutboundFrame.Rent();
            queue.Enqueue(frame);
            Assert.That(queue.Count, Is.EqualTo(1));
            Assert.That(queue.TryDequeue(out var taken), Is.True);
            Assert.That(taken, Is.SameAs(frame));
            frame.Release();
        }

        Assert.That(queue.HasQueue, Is.False);
        Assert.That(queue.TryDequeue(out _), Is.False);
        Assert.That(queue.Count, Is.Zero);
    }

    [Test]
    public void HoldsAtLeast_counts_every_message_a_frame_of_appended_broadcasts_holds()
    {
        var single = OutboundFrame.Rent();
        var appended = OutboundFrame.RentForAppending();
        for (var i = 0; i < 3; i++)
        {
            appended.Append(single);
        }

        var queue = default(FrameQueue);
        Assert.That((queue.HoldsAtLeast(0), queue.HoldsAtLeast(1)), Is.EqualTo((true, false)));
        queue.Enqueue(single);
        queue.Enqueue(appended);
        Assert.That(queue.Count, Is.EqualTo(2));
        Assert.That(Enumerable.Range(0, 6).Select(queue.HoldsAtLeast), Is.EqualTo(new[] { true, true, true, true, true, false }));

        Drain(ref queue);
        Assert.That(queue.HoldsAtLeast(1), Is.False);
        single.Release();
        appended.Release();
    }

    [Test]
    public void A_frame_queued_after_the_slot_emptied_waits_behind_the_queued_ones()
    {
        var (a, b, c, d) = (OutboundFrame.Rent(), OutboundFrame.Rent(), OutboundFrame.Rent(), OutboundFrame.Rent());
        var queue = default(FrameQueue);
        queue.Enqueue(a); // the slot
        queue.Enqueue(b); // the queue
        Assert.That(queue.TryDequeue(out var first), Is.True);
        queue.Enqueue(c); // the slot is free, but b is older: c must go behind it

        Assert.That(first, Is.SameAs(a));
        Assert.That(queue.HasQueue, Is.True);
        Assert.That(Drain(ref queue), Is.EqualTo(new[] { b, c }));

        queue.Enqueue(d); // empty again: the slot
        Assert.That(Drain(ref queue), Is.EqualTo(new[] { d }));
    }

    [Test]
    public void Random_enqueues_and_dequeues_come_out_as_from_a_plain_queue()
    {
        var random = new Random(20261201);
        var frames = Enumerable.Range(0, 64).Select(_ => OutboundFrame.Rent()).ToArray();
        var queue = default(FrameQueue);
        var model = new Queue<OutboundFrame>();
        for (var step = 0; step < 10_000; step++)
        {
            if (random.Next(3) != 0 || model.Count == 0)
            {
                var frame = frames[random.Next(frames.Length)];
                queue.Enqueue(frame);
                model.Enqueue(frame);
            }
            else
            {
                Assert.That(queue.TryDequeue(out var taken), Is.True);
                Assert.That(taken, Is.SameAs(model.Dequeue()), $"step {step}");
            }

            Assert.That(queue.Count, Is.EqualTo(model.Count));
        }
    }

    private static List<OutboundFrame> Drain(ref FrameQueue queue)
    {
        var taken = new List<OutboundFrame>();
        while (queue.TryDequeue(out var frame))
        {
            taken.Add(frame);
        }

        return taken;
    }
}
