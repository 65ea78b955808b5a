using MasterSocket.Broker.Sessions;
using MasterSocket.Broker.Transport;

namespace MasterSocket.Broker.Routing;

/// <summary>
/// The broadcasts (GROUP and GLOBAL messages) that one read routes to the same recipients, copied
/// one after the other into one frame buffer and queued on each recipient as that one frame when
/// the read ends (a lone broadcast is queued as its own frame): one lock, one enqueue and one
/// reference per recipient per read, instead of one of each per recipient per message.
/// <para>
/// Why: a publisher's read brings ~10 messages under load (fan-out to 1,000: 2,834 receive calls
/// for 25,800 messages), and queuing each on every member one at a time touched every member's
/// connection, its lock word and its queue once per message: the lock's atomic exchange on those
/// cold lines was 5 % of the broker's CPU on fan-out, the loop over the members 8 %, and each
/// frame then cost every member's send loop a dequeue, a vector and a release
/// (docs/benchmarks.md). The copy into the shared buffer is once per message, whatever the fan-out.
/// </para>
/// <para>
/// Order: one read is one sender's, and a batch holds only consecutive broadcasts to the same
/// recipients (the same membership snapshot); anything else the read routes (a DIRECT, a broadcast
/// to other recipients, a message too large to copy) delivers the batch first. So each recipient
/// still gets this sender's messages in the order sent (PROTOCOL.md 4). Nothing waits past the end
/// of the read that routed it. Outside a read (no batch open on this thread) broadcasts are queued
/// at once.
/// </para>
/// </summary>
internal sealed class BroadcastBatch
{
    /// <summary>
    /// Most bytes held at once; a read with more delivers them in batches of about this size, and a
    /// message larger than this is queued as it is, after what was held.
    /// </summary>
    public const int MaxBytes = 16 * 1024;

    [ThreadStatic]
    private static BroadcastBatch? t_batch;

    private OutboundFrame? _frames;
    private bool _appending; // _frames is the batch's own frame, not the first message's
    private Session[]? _recipients;
    private Session? _except;
    private bool _open;

    /// <summary>Marks the start of a read's parsing on this thread: broadcasts routed from here on wait for <see cref="Close"/>.</summary>
    public static void Open() => (t_batch ??= new BroadcastBatch())._open = true;

    /// <summary>
    /// Holds a copy of <paramref name="frame"/> for every session in <paramref name="recipients"/>
    /// but <paramref name="except"/>, until the read ends or the next message goes elsewhere. False
    /// when no read is open on this thread, or the frame is too large to copy: the caller queues
    /// it now (after anything held, which this delivers first).
    /// </summary>
    public static bool TryAdd(Session[] recipients, Session? except, OutboundFrame frame)
    {
        if (t_batch is not { _open: true } batch)
        {
            return false;
        }

        if (batch._frames is { } held && (held.Length + frame.Length > MaxBytes
            || !ReferenceEquals(batch._recipients, recipients) || !ReferenceEquals(batch._except, except)))
        {
            batch.Deliver();
        }

        if (frame.Length > MaxBytes)
        {
            return false;
        }

        batch.Hold(frame);
        batch._recipients = recipients;
        batch._except = except;
        return true;
    }

    /// <summary>
    /// The first frame is held as it is (a read with one broadcast, such as a request to a service
    /// group, copies nothing); the second starts a frame of its own that both are copied into.
    /// </summary>
    private void Hold(OutboundFrame frame)
    {
        if (_frames is null)
        {
            frame.AddReference();
            _frames = frame;
            _appending = false;
            return;
        }

        if (!_appending)
        {
            var first = _frames;
            _frames = OutboundFrame.RentForAppending();
            _frames.Append(first);
            first.Release();
            _appending = true;
        }

        _frames.Append(frame);
    }

    /// <summary>Delivers what is held now: the read is about to route a message that must come after it.</summary>
    public static void Flush()
    {
        if (t_batch is { _frames: not null } batch)
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
            if (batch._frames is not null)
            {
                batch.Deliver();
            }
        }
    }

    private void Deliver()
    {
        var frames = _frames!;
        var recipients = _recipients!;
        var except = _except;
        _frames = null; // hold no frame (nor session) past its delivery
        _recipients = null;
        _except = null;
        try
        {
            foreach (var recipient in recipients)
            {
                if (!ReferenceEquals(recipient, except))
                {
                    recipient.Send(frames);
                }
            }
        }
        finally
        {
            frames.Release();
        }
    }
}
