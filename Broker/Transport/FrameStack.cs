namespace MasterSocket.Broker.Transport;

/// <summary>
/// The pool of idle <see cref="OutboundFrame"/>s: last in, first out, so the frame rented next is
/// the one released last, whose buffer is still in the CPU's cache. A first-in-first-out pool
/// (what <c>ConcurrentQueue</c> gives) cycles through every frame a burst ever created (up to
/// 16 MiB of buffers), so each message was written into, and sent from, memory that had long left
/// the cache. A short lock is enough: a push or pop holds it for a few instructions.
/// </summary>
internal sealed class FrameStack(int capacity)
{
    private readonly Lock _sync = new();
    private readonly OutboundFrame?[] _items = new OutboundFrame?[capacity];
    private int _count;

    /// <summary>The most recently pushed frame, or null when the pool is empty.</summary>
    public OutboundFrame? TryPop()
    {
        lock (_sync)
        {
            if (_count == 0)
            {
                return null;
            }

            var frame = _items[--_count];
            _items[_count] = null;
            return frame;
        }
    }

    /// <summary>Keeps <paramref name="frame"/> for reuse; false when the pool is full (drop it).</summary>
    public bool TryPush(OutboundFrame frame)
    {
        lock (_sync)
        {
            if (_count == _items.Length)
            {
                return false;
            }

            _items[_count++] = frame;
            return true;
        }
    }
}
