namespace MasterSocket.Broker.Transport;

/// <summary>
/// A connection's FIFO of frames to send, with the first frame held in a field of its own: a
/// <see cref="Queue{T}"/> (and its array, 96 bytes together) is only made once two frames wait at the
/// same time. An idle client never had more than one waiting (the 101 response, then the IDENTIFY
/// reply, each sent before the next exists), so it never gets a queue; a busy one makes it once and
/// keeps it. Not thread-safe (the connection's lock guards it); a mutable struct: keep it in a
/// field, never copy it.
/// </summary>
internal struct FrameQueue
{
    private OutboundFrame? _first; // older than everything in _rest
    private Queue<OutboundFrame>? _rest;

    public readonly int Count => (_first is null ? 0 : 1) + (_rest?.Count ?? 0);

    /// <summary>
    /// True when the queued frames hold at least <paramref name="messages"/> WebSocket messages
    /// (<see cref="OutboundFrame.Messages"/>). Counts only until it knows: a service's queue may
    /// hold hundreds of frames, and this is asked for each recipient of every read.
    /// </summary>
    public readonly bool HoldsAtLeast(int messages)
    {
        var counted = _first?.Messages ?? 0;
        if (counted < messages && _rest is not null)
        {
            foreach (var frame in _rest)
            {
                counted += frame.Messages;
                if (counted >= messages)
                {
                    break;
                }
            }
        }

        return counted >= messages;
    }

    /// <summary>True once two frames have waited at the same time (the queue is then kept). For tests.</summary>
    public readonly bool HasQueue => _rest is not null;

    public void Enqueue(OutboundFrame frame)
    {
        if (_first is null && (_rest is null || _rest.Count == 0))
        {
            _first = frame;
        }
        else
        {
            (_rest ??= new Queue<OutboundFrame>()).Enqueue(frame);
        }
    }

    public bool TryDequeue(out OutboundFrame frame)
    {
        if (_first is { } first)
        {
            _first = null;
            frame = first;
            return true;
        }

        if (_rest is { Count: > 0 } rest)
        {
            frame = rest.Dequeue();
            return true;
        }

        frame = null!;
        return false;
    }
}
