using System.Buffers;
using System.Diagnostics;
using System.Numerics;

namespace MasterSocket.Broker.Transport;

/// <summary>
/// One or more encoded WebSocket frames in a pooled buffer, shared by every connection it is queued
/// on. Written once (it is an <see cref="IBufferWriter{T}"/> until then), then reference-counted: the
/// creator holds one reference, each queue that takes it adds one, and the last
/// <see cref="Release"/> returns the buffer and the frame object to their pools. So a broadcast to
/// ten thousand clients is encoded once and costs no allocation.
/// <para>
/// A pooled frame keeps a small buffer (up to <see cref="MaxKeptBuffer"/> bytes), allocated once
/// on the pinned object heap, instead of giving it back to <see cref="ArrayPool{T}.Shared"/>: that
/// pool caches only a few dozen arrays per size per core, so with thousands of frames in flight
/// (100 pairs with 100 messages each in flight) most rents missed it and allocated, and zeroing
/// fresh GC memory was 4 % of the broker's CPU. Pinned, the buffer can go to the kernel without
/// being pinned per send (<see cref="NativeSocket"/>). The pool is last-in-first-out, so the frame
/// rented next is a cache-warm one, and its bound keeps what an idle broker retains after a burst
/// under <see cref="MaxPooledFrames"/> × <see cref="MaxKeptBuffer"/> = 16 MiB.
/// </para>
/// </summary>
public sealed class OutboundFrame : IBufferWriter<byte>
{
    private const int MinimumBuffer = 256;
    private const int MaxPooledFrames = 16 * 1024;
    private const int MaxKeptBuffer = 1024;
    private static readonly LifoPool<OutboundFrame> Pool = new(MaxPooledFrames);

    private byte[] _buffer = [];
    private bool _pinned;

    /// <summary>The pinned buffer set aside while a large message borrows an array (see <see cref="Ensure"/>).</summary>
    private byte[]? _setAside;
    private int _length;
    private int _references;
    private int _messages;

    private OutboundFrame()
    {
    }

    public int Length => _length;

    /// <summary>
    /// How many WebSocket messages the frames hold: 1 unless a read's messages to the same
    /// recipients were put together (<see cref="Append"/>, <see cref="CountWrittenMessage"/>). A
    /// DISCONNECT and its close frame count as one.
    /// </summary>
    public int Messages => _messages;

    public ArraySegment<byte> Segment => new(_buffer, 0, _length);

    /// <summary>The whole buffer; the frame is its first <see cref="Length"/> bytes.</summary>
    internal byte[] Buffer => _buffer;

    /// <summary>
    /// True when <see cref="Buffer"/> lives on the pinned object heap, so a native send may point
    /// into it without pinning it first (<see cref="NativeSocket"/>).
    /// </summary>
    internal bool IsPinned => _pinned;

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, _length);

    /// <summary>An empty frame holding one reference, the caller's.</summary>
    public static OutboundFrame Rent()
    {
        var frame = Pool.TryRent() ?? new OutboundFrame();

        frame._references = 1;
        frame._messages = 1;
        return frame;
    }

    /// <summary>
    /// An empty frame, holding the caller's reference, that a read's messages are put into
    /// (<see cref="Routing.ReadBatch"/>): it counts no message until one is appended.
    /// </summary>
    internal static OutboundFrame RentForAppending()
    {
        var frame = Rent();
        frame._messages = 0;
        return frame;
    }

    /// <summary>Copies <paramref name="other"/>'s bytes after this frame's and counts its messages. Only before this frame is shared.</summary>
    internal void Append(OutboundFrame other)
    {
        other.Span.CopyTo(GetSpan(other.Length));
        Advance(other.Length);
        _messages += other._messages;
    }

    /// <summary>Counts one more message written into this frame through its <see cref="IBufferWriter{T}"/>. Only before this frame is shared.</summary>
    internal void CountWrittenMessage() => _messages++;

    public void AddReference() => Interlocked.Increment(ref _references);

    /// <summary>
    /// True while more than one holder has this frame: a broadcast still queued for other recipients.
    /// A hint only (another holder may let go at any moment), used to choose how to hand the bytes
    /// to the kernel (<see cref="NativeSocket.StageLimit"/>).
    /// </summary>
    internal bool IsShared => Volatile.Read(ref _references) > 1;

    /// <summary>Drops one reference; the last one returns the buffer to the pool.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        Debug.Assert(left >= 0, "an OutboundFrame was released more often than referenced");
        if (left != 0)
        {
            return;
        }

        _length = 0;
        if (_buffer.Length > MaxKeptBuffer)
        {
            ReturnBuffer();
            if (_setAside is { } kept)
            {
                _buffer = kept;
                _pinned = true;
                _setAside = null;
            }
        }

        if (!Pool.TryReturn(this))
        {
            ReturnBuffer();
        }
    }

    private void ReturnBuffer()
    {
        if (!_pinned && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = [];
        _pinned = false;
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_length);
    }

    private void Ensure(int sizeHint)
    {
        var needed = _length + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        var size = Math.Max(needed, Math.Max(MinimumBuffer, _buffer.Length * 2));

        // Buffers the pool keeps are allocated once, pinned, for the life of the process (a frame
        // is reused, not freed): the native send needs no per-send pinning. Larger ones are rare
        // (big messages) and borrowed from the array pool.
        var pinned = size <= MaxKeptBuffer;
        var larger = pinned
            ? GC.AllocateUninitializedArray<byte>((int)BitOperations.RoundUpToPowerOf2((uint)size), pinned: true)
            : ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _length).CopyTo(larger);
        if (!pinned && _pinned && _setAside is null)
        {
            // Keep the pinned buffer for after this large message: dropping it would leave
            // garbage on the pinned heap (collected only with gen 2) and a new one to allocate.
            _setAside = _buffer;
            _buffer = [];
            _pinned = false;
        }

        ReturnBuffer();
        _buffer = larger;
        _pinned = pinned;
    }
}
