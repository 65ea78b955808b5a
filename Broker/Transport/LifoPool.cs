namespace MasterSocket.Broker.Transport;

/// <summary>
/// A bounded pool that hands out the item returned last: its memory (a frame's buffer, a pipe's
/// segments) is the likeliest to still be in the CPU's cache. A first-in-first-out pool (what
/// <c>ConcurrentQueue</c> gives) cycles through every item a burst ever created: after 10,000
/// frames in flight, each message was written into, and sent from, memory that had long left the
/// cache. A short lock is enough: a rent or a return holds it for a few instructions.
/// </summary>
internal sealed class LifoPool<T>(int capacity)
    where T : class
{
    private readonly Lock _sync = new();
    private readonly T?[] _items = new T?[capacity];
    private int _count;

    /// <summary>The item returned last, or null when the pool is empty.</summary>
    public T? TryRent()
    {
        lock (_sync)
        {
            if (_count == 0)
            {
                return null;
            }

            var item = _items[--_count];
            _items[_count] = null;
            return item;
        }
    }

    /// <summary>Keeps <paramref name="item"/> for reuse; false when the pool is full (the caller drops it).</summary>
    public bool TryReturn(T item)
    {
        lock (_sync)
        {
            if (_count == _items.Length)
            {
                return false;
            }

            _items[_count++] = item;
            return true;
        }
    }
}
