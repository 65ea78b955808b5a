using MasterSocket.Broker.Sessions;
using MasterSocket.Broker.Transport;
using MasterSocket.Protocol.Envelopes;

namespace MasterSocket.Broker.Routing;

/// <summary>
/// The messages that one read routes, one after the other, to the same recipients, put into one
/// frame buffer and queued on each recipient as that one frame when the read ends (a lone message
/// is queued as its own frame): one lock, one enqueue and one reference per recipient per read,
/// instead of one of each per recipient per message. "The same recipients" is the same membership
/// snapshot for a broadcast (GROUP, GLOBAL), the same session for a DIRECT.
/// <para>
/// Why: a busy sender's read brings ~10 messages (fan-out to 1,000: 2,834 receive calls for 25,800
/// messages; a DIRECT stream ~20), and queuing each on its recipients one at a time touched every
/// recipient's connection, its lock word and its queue once per message: the lock's atomic
/// exchange on those cold lines was 5 % of the broker's CPU on fan-out and on DIRECT, the loop over
/// the members 8 % on fan-out, and each frame then cost the recipient's send loop a dequeue, a
/// vector and a release (docs/benchmarks.md).
/// </para>
/// <para>
/// How the bytes get there: a broadcast is encoded into its own frame (the backplane takes each
/// message's own bytes) and copied in, once per message whatever the fan-out. A DIRECT to the
/// recipient already held is encoded straight into the held frame, so it costs no frame of its
/// own and no copy. The first message is held as it is: a read of one (a request, a reply) copies
/// nothing.
/// </para>
/// <para>
/// Order: one read is one sender's, and a batch holds only consecutive messages to the same
/// recipients; anything else the read routes (a message to other recipients, a message too large
/// to hold) delivers the batch first. So each recipient still gets this sender's messages in the
/// order sent (PROTOCOL.md 4). Nothing waits past the end of the read that routed it. Outside a
/// read (no batch open on this thread) every message is queued at once.
/// </para>
/// </summary>
internal sealed class ReadBatch
{
    /// <summary>
    /// Most bytes held at once; a read with more delivers them in batches of at most this size, and
    /// a message larger than this is queued as it is, after what was held.
    /// </summary>
    public const int MaxBytes = 16 * 1024;

    [ThreadStatic]
    private static ReadBatch? t_batch;

    private OutboundFrame? _frames;
    private bool _appending; // _frames is the batch's own frame, not the first message's
    private Session[]? _members; // a broadcast batch's recipients: all of these but _except
    private Session? _except;
    private Session? _recipient; // a DIRECT batch's one recipient
    private bool _open;

    /// <summary>Marks the start of a read's parsing on this thread: messages routed from here on wait for <see cref="Close"/>.</summary>
    public static void Open() => (t_batch ??= new ReadBatch())._open = true;

    /// <summary>
    /// Holds a copy of the broadcast <paramref name="frame"/> for every session in
    /// <paramref name="members"/> but <paramref name="except"/>, until the read ends or the next
    /// message goes elsewhere. False when no read is open on this thread, or the frame is too large
    /// to copy: the caller queues it now (after anything held, which this delivers first).
    /// </summary>
    public static bool TryAddBroadcast(Session[] members, Session? except, OutboundFrame frame) =>
        TryHold(frame, members, except, recipient: null);

    /// <summary>Holds the DIRECT <paramref name="frame"/> for <paramref name="recipient"/>; the same answers as <see cref="TryAddBroadcast"/>.</summary>
    public static bool TryAddDirect(Session recipient, OutboundFrame frame) =>
        TryHold(frame, members: null, except: null, recipient);

    /// <summary>
    /// Writes the DIRECT message that delivers <paramref name="message"/> to <paramref name="recipient"/>
    /// straight into the held frame, when what is held is already for that recipient and there is
    /// room (true). False otherwise: the caller encodes a frame and offers it to <see cref="TryAddDirect"/>.
    /// </summary>
    public static bool TryWriteDirect(Session recipient, ReadOnlySpan<byte> message, in Envelope envelope, ReadOnlySpan<byte> from)
    {
        if (t_batch is not { _open: true, _frames: not null } batch || !batch.IsFor(members: null, except: null, recipient))
        {
            return false;
        }

        // Made before the length is known: a message that does not fit after all (over 16 KiB with
        // what is held, rare) leaves the first one copied into the batch's frame for nothing.
        var frames = batch.StartAppending();
        if (!EnvelopeWriter.TryWriteDelivered(frames, message, envelope, from, MaxBytes - frames.Length))
        {
            return false;
        }

        frames.CountWrittenMessage();
        return true;
    }

    private static bool TryHold(OutboundFrame frame, Session[]? members, Session? except, Session? recipient)
    {
        if (t_batch is not { _open: true } batch)
        {
            return false;
        }

        if (batch._frames is { } held && (held.Length + frame.Length > MaxBytes || !batch.IsFor(members, except, recipient)))
        {
            batch.Deliver();
        }

        if (frame.Length > MaxBytes)
        {
            return false;
        }

        batch.Hold(frame);
        batch._members = members;
        batch._except = except;
        batch._recipient = recipient;
        return true;
    }

    /// <summary>Whether what is held goes to exactly these recipients (the same snapshot and exception, or the same session).</summary>
    private bool IsFor(Session[]? members, Session? except, Session? recipient) =>
        ReferenceEquals(_members, members) && ReferenceEquals(_except, except) && ReferenceEquals(_recipient, recipient);

    /// <summary>Ends the read: delivers what is held. Messages routed after this are queued at once.</summary>
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

    /// <summary>
    /// The first frame is held as it is (a read with one message copies nothing); the second starts
    /// a frame of the batch's own that both are copied into.
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

        StartAppending().Append(frame);
    }

    /// <summary>The batch's own frame, which messages are appended to: made from the first held frame when needed.</summary>
    private OutboundFrame StartAppending()
    {
        var frames = _frames!;
        if (_appending)
        {
            return frames;
        }

        // The first frame may be shared (a broadcast's is also the backplane's): never written to.
        _frames = OutboundFrame.RentForAppending();
        _frames.Append(frames);
        frames.Release();
        _appending = true;
        return _frames;
    }

    private void Deliver()
    {
        var frames = _frames!;
        var members = _members;
        var except = _except;
        var recipient = _recipient;
        _frames = null; // hold no frame (nor session) past its delivery
        _members = null;
        _except = null;
        _recipient = null;
        try
        {
            if (recipient is not null)
            {
                recipient.Send(frames);
                return;
            }

            foreach (var member in members!)
            {
                if (!ReferenceEquals(member, except))
                {
                    member.Send(frames);
                }
            }
        }
        finally
        {
            frames.Release();
        }
    }
}
