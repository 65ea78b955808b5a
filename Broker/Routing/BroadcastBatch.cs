using MasterSocket.Broker.Sessions;
using MasterSocket.Broker.Transport;

namespace MasterSocket.Broker.Routing;

/// <summary>
/// The broadcasts (GROUP and GLOBAL messages) that one read routes to the same recipients, queued
/// on each recipient together when the read ends: one lock and one call per recipient per read,
/// instead of one per recipient per message.
/// <para>
/// Why: a publisher's read brings ~10 messages under load (fan-out to 1,000: 2,834 receive calls
/// for 25,800 messages), and queuing each on every member one at a time touched every member's
/// connection, its lock word and its queue once per message. The lock's atomic exchange on those
/// cold lines was 5 % of the broker's CPU on fan-out, the loop over the members 8 %
/// (docs/benchmarks.md).
/// </para>
/// <para>
/// Order: one read is one sender's, and a batch holds only consecutive broadcasts to the same
/// recipients (the same membership snapshot); anything else the read routes (a DIRECT, a broadcast
/// to other recipients) delivers the batch first. So each recipient still gets this sender's
/// messages in the order sent (PROTOCOL.md 4). Nothing waits past the end of the read that routed
/// it. Outside a read (no batch open on this thread) broadcasts are queued at once.
/// </para>
/// </summary>
internal sealed class BroadcastBatch
{
    /// <summary>Most frames held at once; a read with more delivers them in batches of this size.</summary>
    public const int MaxFrames = 64;

    [ThreadStatic]
    private static BroadcastBatch? t_batch;

    private readonly OutboundFrame[] _frames = new OutboundFrame[MaxFrames];
    private int _count;
    private long _length;
    private Session[]? _recipients;
    private Session? _except;
    private bool _open;

    /// <summary>Marks the start of a read's parsing on this thread: broadcasts routed from here on wait for <see cref="Close"/>.</summary>
    public static void Open() => (t_batch ??= new BroadcastBatch())._open = true;

    /// <summary>
    /// Holds <paramref name="frame"/> (taking a reference) for every session in
    /// <paramref name="recipients"/> but <paramref name="except"/>, until the read ends or the next
    /// message goes elsewhere. False when no read is open on this thread: the caller queues it now.
    /// </summary>
    public static bool TryAdd(Session[] recipients, Session? except, OutboundFrame frame)
    {
        if (t_batch is not { _open: true } batch)
        {
            return false;
        }

        if (batch._count > 0 && (batch._count == MaxFrames
            || !ReferenceEquals(batch._recipients, recipients) || !ReferenceEquals(batch._except, except)))
        {
            batch.Deliver();
        }

        frame.AddReference();
        batch._frames[batch._count++] = frame;
        batch._length += frame.Length;
        batch._recipients = recipients;
        batch._except = except;
        return true;
    }

    /// <summary>Delivers what is held now: the read is about to route a message that must come after it.</summary>
    public static void Flush()
    {
        if (t_batch is { _count: > 0 } batch)
        {
            batch.Deliver();
        }
    }

    /// <summary>Ends the read: delivers what is held. Broadcasts routed after this are queued at once.</summary>
    public static void Close()
    {
        if (t_batch is { } batch)
        {
            batch._open = false;
            if (batch._count > 0)
            {
                batch.Deliver();
            }
        }
    }

    private void Deliver()
    {
        var frames = _frames.AsSpan(0, _count);
        try
        {
            foreach (var recipient in _recipients!)
            {
                if (!ReferenceEquals(recipient, _except))
                {
                    recipient.Send(frames, _length);
                }
            }
        }
        finally
        {
            foreach (var frame in frames)
            {
                frame.Release();
            }

            frames.Clear(); // hold no frame (nor session) past its delivery
            _count = 0;
            _length = 0;
            _recipients = null;
            _except = null;
        }
    }
}
